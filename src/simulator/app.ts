/**
 * @module A faithful local Glia: `createSimulator(deps)` → `{app, close, webhooksIdle}`, and
 * `createSimulatorApp(deps)`, which is that `.app`. The app serves the Glia endpoints the handoff
 * uses (docs/glia.md, "The simulator"), the control API under `/__sim` (routes/control.ts) and the operator
 * console at `/operator`. It never listens: `src/cli/sim.ts` does.
 *
 * Timers (auto-operator, message status, webhook retries, fault delays, SSE heartbeats) run on
 * `deps.timers`; `close()` cancels them all and ends open event streams. Tests that create a
 * simulator should `close()` it when done.
 */
import {randomBytes} from 'node:crypto';
import {Hono} from 'hono';
import {acceptHeader} from './accept-header.js';
import {attachAutoOperator} from './auto-operator.js';
import {credentialKindOf} from './auth.js';
import {consoleRoutes} from './console/console-routes.js';
import {controlGuard} from './control-guard.js';
import type {SimulatorConfig, SimulatorDeps} from './deps.js';
import {resolveDeps} from './deps.js';
import {EngagementActions} from './engagement-actions.js';
import {FaultRules} from './faults.js';
import type {FaultRule} from './faults.js';
import {routeNotFound} from './glia-errors.js';
import {RequestLog} from './request-log.js';
import {controlRoutes} from './routes/control.js';
import {engagementRoutes} from './routes/engagements.js';
import {fileControlRoutes, fileRoutes} from './routes/files.js';
import {queueRoutes} from './routes/queues.js';
import {tokenRoutes} from './routes/tokens.js';
import {visitorRoutes} from './routes/visitors.js';
import {Scheduler} from './scheduler.js';
import type {SimContext, SimEnv} from './sim-context.js';
import {SimulatorStore} from './store.js';
import {WebhookDispatcher} from './webhooks.js';

export type {
  SimulatorDeps,
  AutoOperatorOptions,
  WebhookRetryOptions,
  WebhookFetch,
} from './deps.js';

/** A running simulator. */
export interface Simulator {
  /** The Hono app: `app.request(url, init)` in-process, or `serve({fetch: app.fetch})`. */
  app: Hono<SimEnv>;
  /** Cancels every pending timer and webhook delivery and ends open event streams. */
  close(): void;
  /** Resolves when no webhook delivery is queued, in flight or waiting for a retry. */
  webhooksIdle(): Promise<void>;
}

/** Builds a simulator seeded from SEED. */
export function createSimulator(deps: SimulatorDeps = {}): Simulator {
  const {resolved, config} = resolveDeps(deps);
  const initialConfig: SimulatorConfig = structuredClone(config);
  const scheduler = new Scheduler(resolved.timers);
  const store = new SimulatorStore();
  const faults = new FaultRules();
  const log = new RequestLog();
  const webhooks = new WebhookDispatcher({deps: resolved, config, scheduler, faults, log});
  const actions = new EngagementActions({store, deps: resolved, config, scheduler, webhooks});
  const sim: SimContext = {
    store,
    config,
    deps: resolved,
    scheduler,
    webhooks,
    actions,
    faults,
    log,
    jwtSecret: randomBytes(32).toString('hex'),
  };
  attachAutoOperator(sim);
  const onClose = new Set<() => void>();

  const app = new Hono<SimEnv>();
  app.use('*', async (c, next) => {
    if (isOwnPath(c.req.path)) return next();
    const credential = credentialKindOf(sim, c.req.header('authorization'));
    const fault = faults.takeForRequest(c.req.method, c.req.path);
    if (fault?.delay_ms) await scheduler.sleep(fault.delay_ms);
    if (fault?.status !== undefined) c.res = faultResponse(fault);
    else await next();
    log.addRequest({
      at: new Date(resolved.now()).toISOString(),
      method: c.req.method,
      path: c.req.path,
      credential,
      status: c.res.status,
    });
  });
  app.use('*', async (c, next) => (isOwnPath(c.req.path) ? next() : acceptHeader(c, next)));

  app.use('/__sim/*', controlGuard);
  app.route('/', tokenRoutes(sim));
  app.route('/', visitorRoutes(sim));
  app.route('/', queueRoutes(sim));
  app.route('/', engagementRoutes(sim));
  app.route('/', fileRoutes(sim));
  app.route('/__sim', fileControlRoutes(sim));
  app.route(
    '/__sim',
    controlRoutes(sim, {
      onClose,
      onReset: () => {
        Object.assign(config, structuredClone(initialConfig));
        faults.clear();
        log.clear();
        store.reset();
      },
    })
  );
  app.route('/operator', consoleRoutes());
  app.notFound((c) => routeNotFound(c));
  // A bug, not bad input: bad input is answered by the routes with Glia's 4xx shapes.
  app.onError((_error, c) => c.json({message: 'Internal server error', debug_message: ''}, 500));

  return {
    app,
    close: () => {
      for (const stop of onClose) stop();
      webhooks.close();
      scheduler.close();
    },
    webhooksIdle: () => webhooks.idle(),
  };
}

/** The Hono app of a new simulator (see `createSimulator` for `close()`). */
export function createSimulatorApp(deps: SimulatorDeps = {}): Hono<SimEnv> {
  return createSimulator(deps).app;
}

/** The simulator's own pages and control API: not Glia, so neither logged nor faulted. */
function isOwnPath(path: string): boolean {
  return (
    path === '/__sim' ||
    path.startsWith('/__sim/') ||
    path === '/operator' ||
    path.startsWith('/operator/')
  );
}

function faultResponse(fault: FaultRule): Response {
  const status = fault.status ?? 500;
  const headers: Record<string, string> = {'content-type': 'application/json'};
  if (fault.retry_after !== undefined) headers['retry-after'] = String(fault.retry_after);
  else if (status === 429) headers['retry-after'] = '1';
  const message =
    status === 429
      ? 'Too many requests'
      : status === 401
        ? 'Invalid token'
        : status >= 500
          ? 'Internal server error'
          : 'Request failed';
  return new Response(
    JSON.stringify({message, debug_message: 'Injected by the simulator (POST /__sim/faults)'}),
    {
      status,
      headers,
    }
  );
}
