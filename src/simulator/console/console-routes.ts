/** @module The operator console: placeholder until the page is built. */
import {Hono} from 'hono';
import type {SimEnv} from '../sim-context.js';

/** Routes of the operator console, mounted at `/operator`. */
export function consoleRoutes(): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  app.get('/', (c) => c.html('<!doctype html><title>Operator console</title><p>Coming soon.</p>'));
  return app;
}
