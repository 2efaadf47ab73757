/**
 * @module The widget's production build, for pages without a bundler: `GET /handoff/widget.js` and
 * its hashed chunks under `/handoff/assets/`, read from `widgetDir` (absent: a 404 that says so).
 * Hashed files never change, so they are cached for a year; the entry is revalidated.
 */
import {readFile} from 'node:fs/promises';
import {extname, join, resolve, sep} from 'node:path';
import type {Context} from 'hono';
import {Hono} from 'hono';
import type {ProxyEnv} from '../http.js';
import {errorResponse} from '../http.js';

/** The entry file names a widget build may have, in order of preference (vite.config.ts writes widget.js). */
export const WIDGET_ENTRIES = ['widget.js', 'glia-handoff.js'] as const;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** A content hash in the name (`chunk-3f9a1c7e.js`, `index.B2x_9kLq.js`). */
const HASHED = /[-.][A-Za-z0-9_]{8,}\.[a-z0-9]+$/;

async function readInside(dir: string, relative: string): Promise<Buffer | undefined> {
  const root = resolve(dir);
  const path = resolve(join(root, relative));
  if (!path.startsWith(root + sep)) return undefined;
  return readFile(path).catch(() => undefined);
}

function notBuilt(c: Context, widgetDir: string | undefined): Response {
  return errorResponse(c, 404, {
    code: 'widget-not-built',
    message: widgetDir
      ? `The widget build is not in ${widgetDir}: run npm run build.`
      : 'This proxy serves no widget build (no widget directory configured).',
  });
}

function serve(c: Context, body: Buffer, name: string, cache: string): Response {
  return c.body(new Uint8Array(body), 200, {
    'Content-Type': CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
    'Cache-Control': cache,
    // Module scripts load with CORS; the bundle is public code.
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'X-Content-Type-Options': 'nosniff',
  });
}

/** The routes, to mount under `/handoff`. */
export function widgetRoutes(widgetDir: string | undefined): Hono<ProxyEnv> {
  const app = new Hono<ProxyEnv>();

  app.get('/widget.js', async (c) => {
    if (!widgetDir) return notBuilt(c, widgetDir);
    for (const entry of WIDGET_ENTRIES) {
      const body = await readInside(widgetDir, entry);
      if (body) return serve(c, body, entry, 'public, max-age=300, must-revalidate');
    }
    return notBuilt(c, widgetDir);
  });

  app.get('/assets/*', async (c) => {
    if (!widgetDir) return notBuilt(c, widgetDir);
    let relative = '';
    try {
      relative = decodeURIComponent(c.req.path.slice(c.req.path.indexOf('/assets/') + 1));
    } catch {
      relative = '..';
    }
    const body = relative.includes('..') ? undefined : await readInside(widgetDir, relative);
    if (!body) return errorResponse(c, 404, {code: 'not-found', message: 'No such widget asset.'});
    const cache = HASHED.test(relative)
      ? 'public, max-age=31536000, immutable'
      : 'public, max-age=300';
    return serve(c, body, relative, cache);
  });

  return app;
}
