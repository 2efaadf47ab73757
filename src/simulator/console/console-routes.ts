/**
 * @module The operator console at `/operator`: a page, its script and its stylesheet, served as
 * separate files so the page works under a strict Content-Security-Policy (no inline script or
 * style). The page talks only to the control API (`/__sim/...`), and follows changes live through
 * `GET /__sim/events`.
 */
import {readFile} from 'node:fs/promises';
import {Hono} from 'hono';
import type {SimEnv} from '../sim-context.js';

/** The policy the console is written for: only its own script, style and API. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILES = {
  page: {name: 'operator-console.html', type: 'text/html; charset=utf-8'},
  script: {name: 'operator-console.js', type: 'text/javascript; charset=utf-8'},
  style: {name: 'operator-console.css', type: 'text/css; charset=utf-8'},
  icon: {name: 'favicon.svg', type: 'image/svg+xml'},
} as const;

/** Routes of the operator console, mounted at `/operator`. */
export function consoleRoutes(): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const cache = new Map<string, string>();
  // Read on first request, so importing the simulator touches no file.
  const load = async (name: string) => {
    let text = cache.get(name);
    if (text === undefined) {
      text = await readFile(new URL(name, import.meta.url), 'utf8');
      cache.set(name, text);
    }
    return text;
  };
  const serveFile = (file: (typeof FILES)[keyof typeof FILES]) => async () =>
    new Response(await load(file.name), {
      headers: {
        'content-type': file.type,
        'content-security-policy': CONSOLE_CSP,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      },
    });
  app.get('/', serveFile(FILES.page));
  app.get('/console.js', serveFile(FILES.script));
  app.get('/console.css', serveFile(FILES.style));
  app.get('/favicon.svg', serveFile(FILES.icon));
  return app;
}
