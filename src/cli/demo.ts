/**
 * `glia-handoff demo` (`npm start`): the simulator, the proxy against it (with the simulator's
 * seeded Service Credential) and the demo intranet page, in one process. The page is served by the
 * proxy's own server, as an intranet would serve it behind the same host, and it embeds the widget
 * with the two lines a page author writes.
 */
import {networkInterfaces} from 'node:os';
import {fileURLToPath} from 'node:url';
import {serveStatic} from '@hono/node-server/serve-static';
import {Hono} from 'hono';
import {createProxyApp, type ProxyApp} from '../proxy/app.js';
import {loadConfig} from '../proxy/config.js';
import {createSimulator} from '../simulator/app.js';
import {SEED} from '../simulator/seed.js';
import type {Shapes} from '../simulator/deps.js';
import {listen, parseCommand, parsePort, parseShapes, untilSignal} from './command.js';
import {nodeGliaFetch} from '../proxy/glia/node-fetch.js';

const HELP = `Usage: glia-handoff demo [options]

  --port <n>        the demo page and the proxy (default: PORT or 8080)
  --sim-port <n>    the simulator and its operator console (default: SIM_PORT or 8081)
  --host <host>     interface to listen on (default: 127.0.0.1; 0.0.0.0 for all of them)
  --auto-operator   an operator accepts every chat and answers, for an unattended demo
  --shapes <mode>   the simulator's answers: recorded (Glia's recorded and documented
                    shapes, the default) or sparse (only what integrators confirm)
  --no-build        serve the existing dist/ instead of building the widget and the page
  -h, --help        this text`;

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = (part: string) => `${root}dist/${part}`;

/** Whether `host` means every interface. */
const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

/**
 * The origins the demo's page is opened from, for the proxy's ALLOWED_ORIGINS: the host it
 * listens on and `localhost`; on every interface (`--host 0.0.0.0`, to show the demo on the
 * network) also each address of this machine (IPv6 ones with `::`, link-local ones left out).
 */
export function pageOrigins(
  host: string,
  port: string,
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()
): string[] {
  const named = (address: string) => (address.includes(':') ? `[${address}]` : address);
  const hosts = isWildcard(host)
    ? Object.values(interfaces)
        .flat()
        .filter((a) => a && (a.family === 'IPv4' || (host === '::' && !a.scopeid)))
        .map((a) => named(a!.address))
    : [named(host)];
  return [...new Set([...hosts, 'localhost'].map((name) => `http://${name}:${port}`))];
}

/** The browser's strict CSP for the demo page: the widget needs no inline script or style. */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  // blob: for an agent's images, which the widget fetches with the session token.
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The widget (vite.config.ts) and the page (demo/vite.config.ts), with Vite's own API. */
async function buildAll(): Promise<void> {
  const {build} = await import('vite');
  await build({configFile: `${root}vite.config.ts`, root, logLevel: 'warn'});
  await build({configFile: `${root}demo/vite.config.ts`, logLevel: 'warn'});
}

/** The page's server: the proxy's routes, and the built page for everything else. */
function pageServer(proxy: {
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
}): Hono {
  const app = new Hono();
  // The Node bindings go along, so the proxy writes its event streams straight to the socket.
  const toProxy = (c: {req: {raw: Request}; env: unknown}) => proxy.fetch(c.req.raw, c.env);
  app.all('/handoff/*', toProxy);
  for (const path of ['/healthz', '/readyz', '/metrics']) app.get(path, toProxy);
  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', PAGE_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
  });
  app.use('*', serveStatic({root: dist('demo')}));
  return app;
}

/** Starts everything and runs until SIGINT/SIGTERM. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('demo', HELP, args, {
    port: {type: 'string'},
    'sim-port': {type: 'string'},
    host: {type: 'string', default: '127.0.0.1'},
    'auto-operator': {type: 'boolean', default: false},
    'no-build': {type: 'boolean', default: false},
    shapes: {type: 'string', default: 'recorded'},
  });
  if ('exit' in parsed) return parsed.exit;
  const {values} = parsed;
  const port = parsePort(
    values.port ?? process.env.PORT ?? '8080',
    values.port ? '--port' : 'PORT'
  );
  const simPort = parsePort(
    values['sim-port'] ?? process.env.SIM_PORT ?? '8081',
    values['sim-port'] ? '--sim-port' : 'SIM_PORT'
  );
  const shapes = parseShapes(values.shapes);
  for (const problem of [port, simPort, shapes]) {
    if (problem instanceof Error) {
      console.error(`glia-handoff demo: ${problem.message}`);
      return 2;
    }
  }
  const host = values.host;

  if (!values['no-build']) {
    const started = Date.now();
    process.stdout.write('Building the widget and the demo page… ');
    await buildAll();
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const simulator = createSimulator({
    autoOperator: values['auto-operator'] ? {acceptAfterMs: 2500, replyAfterMs: 1500} : false,
    shapes: shapes as Shapes,
  });
  const stops: (() => Promise<void> | void)[] = [() => simulator.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const sim = await listen(simulator.app.fetch, simPort as number, host);
    stops.push(() => sim.close());
    // The page's origin is the proxy's PUBLIC_URL and its allowed origin, so the page listens
    // first: with port 0 only the listening server knows its port. Nothing arrives before the
    // proxy is made, just below.
    const made: {page?: Hono; proxy?: ProxyApp} = {};
    const page = await listen(
      (request, env) => made.page!.fetch(request, env),
      port as number,
      host,
      undefined,
      (request, response) => made.proxy!.fastPath(request, response)
    );
    stops.push(() => page.close());
    const pagePort = new URL(page.url).port;
    const origins = pageOrigins(host, pagePort);
    const config = loadConfig({
      GLIA_API_BASE: sim.url,
      GLIA_SITE_ID: SEED.siteId,
      GLIA_QUEUE_ID: SEED.openQueue.id,
      GLIA_API_KEY_ID: SEED.serviceCredential.apiKeyId,
      GLIA_API_KEY_SECRET: SEED.serviceCredential.apiKeySecret,
      GLIA_CREDENTIAL_TYPE: 'auto',
      PUBLIC_URL: page.url,
      ALLOWED_ORIGINS: [page.url, ...origins].join(','),
      PORT: pagePort,
      HOST: host,
      GLIA_OPERATOR_TYPING_EVENT: 'true',
    });
    const proxy = createProxyApp({
      config,
      fetch: nodeGliaFetch,
      widgetDir: dist('widget'),
      logLevel: 'warn',
      // Every visitor of the demo comes from this machine's loopback address, so the limit per
      // address is the limit for everyone at once: a presenter's tabs, or the walk-through suite.
      limits: {newSessionsPerAddress: {capacity: 60, refillPerSecond: 1}},
    });
    Object.assign(made, {page: pageServer(proxy), proxy});
    // Stops run last first: the proxy ends the chats and tells the visitors before the page's
    // server (which carries their event streams) closes.
    stops.push(() => proxy.close());
    const shown = (url: string) => url.replace(/127\.0\.0\.1|0\.0\.0\.0|\[::\]/, 'localhost');
    // Listening on every interface: where others on the network open the page.
    const elsewhere = isWildcard(host)
      ? origins.filter((origin) => !/\/\/(localhost|127\.|\[::1\])/.test(origin))
      : [];
    console.log(`
glia-handoff demo is running

  Demo page          ${shown(page.url)}/${elsewhere.map((origin) => `\n  On this network    ${origin}/`).join('')}
  Operator console   ${shown(sim.url)}/operator
  Proxy              ${shown(page.url)}/handoff  (health ${shown(page.url)}/healthz)
  Glia simulator     ${shown(sim.url)}  (state ${shown(sim.url)}/__sim/state)
  Auto-operator      ${values['auto-operator'] ? 'on: every chat is answered' : 'off: answer chats in the operator console (or start with --auto-operator)'}
  Answer shapes      ${shapes as Shapes}

Press Ctrl+C to stop.`);
  } catch (error) {
    console.error(`glia-handoff demo: ${(error as Error).message}`);
    await stopAll();
    return 1;
  }
  await untilSignal();
  console.log('\nStopping: ending open chats…');
  await stopAll();
  console.log('Stopped.');
  return 0;
}
