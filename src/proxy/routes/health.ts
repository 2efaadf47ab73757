/**
 * @module Liveness, readiness (the session store is reachable and a token exchange works) and Prometheus metrics. `/readyz` is
 * unauthenticated, so its outcome, a failure included, is kept for a few seconds and shared by
 * every call meanwhile: probes and strangers cannot turn it into a stream of token exchanges that
 * trips Glia's rate limit or locks the key. Its body names the failure's kind only; the proxy's log
 * and `glia-handoff doctor` have the details.
 */
import {Hono} from 'hono';
import type {GliaClient} from '../glia/glia-client.js';
import {GliaError} from '../glia/glia-error.js';
import type {ProxyEnv} from '../http.js';
import {NO_STORE} from '../http.js';
import type {Logger} from '../logger.js';
import {errorResponse} from '../http.js';
import type {Metrics} from '../metrics.js';
import type {SessionStore} from '../sessions/ports.js';

/** How long one readiness outcome answers every `/readyz` call. */
export const READINESS_TTL_MS = 10_000;

type Readiness =
  {ready: true} | {ready: false; reason: 'glia-unavailable' | 'glia-rate-limited' | 'glia-error'};

export interface HealthDeps {
  glia: GliaClient;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  store: SessionStore;
}

export function healthRoutes({glia, metrics, logger, now, store}: HealthDeps): Hono<ProxyEnv> {
  const app = new Hono<ProxyEnv>();
  let checked: {at: number; outcome: Promise<Readiness>} | undefined;

  const check = async (): Promise<Readiness> => {
    try {
      await glia.ensureToken();
      return {ready: true};
    } catch (error) {
      if (!(error instanceof GliaError)) throw error;
      logger.warn('readiness check failed', {error: error.toJSON()});
      const unreachable = error.failure === 'network' || error.failure === 'timeout';
      return {
        ready: false,
        reason: unreachable
          ? 'glia-unavailable'
          : error.status === 429
            ? 'glia-rate-limited'
            : 'glia-error',
      };
    }
  };

  app.get('/healthz', (c) => c.json({status: 'ok'}));

  app.get('/readyz', async (c) => {
    // Not ready while the session store (Redis) is unreachable: the balancer sends no one here.
    if (!store.ready()) {
      return errorResponse(
        c,
        503,
        {code: 'store-unavailable', message: 'The session store (Redis) is unreachable.'},
        {...NO_STORE, 'Retry-After': '2'}
      );
    }
    if (!checked || now() - checked.at >= READINESS_TTL_MS) {
      checked = {at: now(), outcome: check()};
    }
    const outcome = await checked.outcome;
    if (outcome.ready) {
      return c.json({status: 'ready', credentialType: glia.credentialType}, 200, NO_STORE);
    }
    return c.json(
      {
        status: 'not-ready',
        reason: outcome.reason,
        message:
          'The token exchange with Glia failed: see the proxy log or run glia-handoff doctor.',
      },
      503,
      {...NO_STORE, 'Retry-After': String(READINESS_TTL_MS / 1000)}
    );
  });

  app.get('/metrics', (c) =>
    c.text(metrics.render(), 200, {'Content-Type': 'text/plain; version=0.0.4; charset=utf-8'})
  );

  return app;
}
