/**
 * @module Liveness, readiness (a token exchange works) and Prometheus metrics.
 */
import {Hono} from 'hono';
import type {GliaClient} from '../glia/glia-client.js';
import {GliaError} from '../glia/glia-error.js';
import type {ProxyEnv} from '../http.js';
import {gliaErrorResponse} from '../http.js';
import type {Metrics} from '../metrics.js';

export function healthRoutes({
  glia,
  metrics,
}: {
  glia: GliaClient;
  metrics: Metrics;
}): Hono<ProxyEnv> {
  const app = new Hono<ProxyEnv>();

  app.get('/healthz', (c) => c.json({status: 'ok'}));

  app.get('/readyz', async (c) => {
    try {
      await glia.ensureToken();
      return c.json({status: 'ready', credentialType: glia.credentialType});
    } catch (error) {
      if (error instanceof GliaError)
        return gliaErrorResponse(c, error, 'The readiness check', 503);
      throw error;
    }
  });

  app.get('/metrics', (c) =>
    c.text(metrics.render(), 200, {'Content-Type': 'text/plain; version=0.0.4; charset=utf-8'})
  );

  return app;
}
