/**
 * @module Widget weight: builds the widget with the project's own vite.config.ts (the same build as
 * `npm run build`, into a temporary folder so dist/ is left alone) and a one-element Lit bundle
 * with the same settings (the floor); compresses every emitted file with gzip (level 9) and brotli
 * (quality 11), as a server would precompress static files. "First load" is the entry file and
 * the chunks it imports statically; chunks behind a dynamic import() (the panel, the locales) load
 * only when asked for.
 *
 * Both goals are measured in Chromium: the built files served gzip-compressed from another origin
 * than the page's, as the proxy serves `/handoff/widget.js` to an intranet page, on a page whose
 * `<glia-handoff locale>` is the heaviest language (the locale whose chunk is largest). The first
 * load is the JavaScript the page fetched before anyone opened the chat; `totalGzipBytes` is
 * everything it fetched once the person opened it: the first load, the panel (which has files and
 * choices in it) and the locale's strings. `zodGzipBytes` is the zod code in the build, which the
 * widget no longer ships (docs/architecture.md, "Parsing in the browser"): a guard that stays 0.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join, resolve, sep} from 'node:path';
import {brotliCompressSync, constants, gzipSync} from 'node:zlib';
import {chromium} from 'playwright-core';
import type {Rolldown} from 'vite';
import {build} from 'vite';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from '../test/chromium.mjs';

/** One file the widget may load. */
export interface WidgetFile {
  file: string;
  bytes: number;
  gzipBytes: number;
  brotliBytes: number;
  /** Loaded with the page (entry and its static imports), not on demand. */
  firstLoad: boolean;
  /** For a locale's strings: its language (`fi`, `ar`). */
  locale?: string;
}

export interface WidgetSize {
  /**
   * Measured in Chromium: everything a page in the heaviest language (`locale`) loads with the
   * chat open, the first load included (the goal: ≤ 25 KB).
   */
  totalGzipBytes: number;
  /** The language of that page. */
  locale: string;
  /** Measured in Chromium as a page that never opens the chat: the JavaScript bytes fetched. */
  firstLoadGzipBytes: number;
  /** Measured in Chromium: the JavaScript bytes fetched once the person opened the chat. */
  openedGzipBytes: number;
  /** The files Chromium fetched before and after the person opened the chat. */
  fetched: {firstLoad: string[]; opened: string[]};
  /** From the build: the entry and its static imports. */
  builtFirstLoadGzipBytes: number;
  /** From the build: every file it emits (all the locales). */
  allFilesGzipBytes: number;
  /** From the build: zod's modules in the emitted chunks, gzip of their code together. */
  zodGzipBytes: number;
  litAloneGzipBytes: number;
  /** The files of `totalGzipBytes`, brotli. */
  totalBrotliBytes: number;
  firstLoadBrotliBytes: number;
  litAloneBrotliBytes: number;
  files: WidgetFile[];
}

const gzip = (data: Buffer) => gzipSync(data, {level: 9}).length;
const brotli = (data: Buffer) =>
  brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  }).length;

interface Built {
  files: WidgetFile[];
  /** gzip of the code of every zod module in the chunks, concatenated (0 without zod). */
  zodGzipBytes: number;
}

/** Builds `entry` (default: the widget's) with vite.config.ts into a temporary folder; its files. */
async function buildFiles(
  root: string,
  entry?: string,
  inDir?: (outDir: string, files: WidgetFile[]) => Promise<void>
): Promise<Built> {
  const outDir = mkdtempSync(join(tmpdir(), 'glia-handoff-bench-'));
  try {
    const output = await build({
      root,
      configFile: join(root, 'vite.config.ts'),
      logLevel: 'silent',
      build: {outDir, emptyOutDir: true, ...(entry ? {lib: {entry}} : {})},
    });
    const outputs = (Array.isArray(output) ? output : [output]) as Rolldown.RolldownOutput[];
    const chunks = outputs.flatMap((o) => o.output);
    const byName = new Map(chunks.map((c) => [c.fileName, c]));
    // The first load: the entry and, transitively, what it imports statically.
    const first = new Set<string>();
    const visit = (name: string) => {
      if (first.has(name)) return;
      first.add(name);
      const chunk = byName.get(name);
      if (chunk?.type === 'chunk') for (const imported of chunk.imports) visit(imported);
    };
    for (const chunk of chunks) if (chunk.type === 'chunk' && chunk.isEntry) visit(chunk.fileName);
    const zod = chunks.flatMap((c) =>
      c.type === 'chunk'
        ? Object.entries(c.modules)
            .filter(([id]) => /[\\/]node_modules[\\/]zod[\\/]/.test(id))
            .map(([, m]) => m.code ?? '')
        : []
    );
    const files = chunks
      .filter((c) => !c.fileName.endsWith('.map'))
      .map((c): WidgetFile => {
        const data = readFileSync(join(outDir, c.fileName));
        const locale =
          c.type === 'chunk'
            ? /[\\/]widget[\\/]locales[\\/]([\w-]+)\.ts$/.exec(c.facadeModuleId ?? '')?.[1]
            : undefined;
        return {
          file: c.fileName,
          bytes: data.length,
          gzipBytes: gzip(data),
          brotliBytes: brotli(data),
          firstLoad: first.has(c.fileName),
          ...(locale ? {locale} : {}),
        };
      })
      .sort((a, b) => Number(b.firstLoad) - Number(a.firstLoad) || a.file.localeCompare(b.file));
    await inDir?.(outDir, files);
    return {files, zodGzipBytes: zod.length ? gzip(Buffer.from(zod.join('\n'))) : 0};
  } finally {
    rmSync(outDir, {recursive: true, force: true});
  }
}

const sum = (files: WidgetFile[], key: 'gzipBytes' | 'brotliBytes') =>
  files.reduce((total, f) => total + f[key], 0);

interface Fetched {
  gzipBytes: number;
  files: string[];
}

/**
 * Loads a page with `<glia-handoff locale>` in Chromium, the widget's files in `dir` served at
 * `/handoff/` (gzip -9) from another origin than the page's; the JavaScript fetched by the page
 * before anyone opens the chat, then after the person opened it. Fails if a chunk did not load from
 * the widget's origin (a chunk URL resolved against the page instead of the entry).
 */
async function measureInChromium(
  dir: string,
  locale: string
): Promise<{firstLoad: Fetched; opened: Fetched}> {
  const root = resolve(dir);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://bench');
    if (url.pathname === '/') {
      const widget = `http://localhost:${(server.address() as AddressInfo).port}/handoff/widget.js`;
      response.setHeader('Content-Type', 'text/html; charset=utf-8');
      response.end(
        `<!doctype html><title>An intranet page</title><p>Nobody opens the chat here.</p>` +
          `<script type="module" src="${widget}"></script>` +
          `<glia-handoff proxy-url="http://localhost:9/nowhere" locale="${locale}"></glia-handoff>`
      );
      return;
    }
    const path = resolve(join(root, url.pathname.replace(/^\/handoff\//, '')));
    let body: Buffer;
    try {
      if (!url.pathname.startsWith('/handoff/') || !path.startsWith(root + sep)) throw new Error();
      body = readFileSync(path);
    } catch {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    response.setHeader('Content-Encoding', 'gzip');
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.end(gzipSync(body, {level: 9}));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const {port} = server.address() as AddressInfo;
  const browser = await chromium.launch({executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS});
  try {
    const page = await browser.newPage();
    let current: Fetched = {gzipBytes: 0, files: []};
    const sizes: Promise<void>[] = [];
    page.on('requestfinished', (request) => {
      if (request.resourceType() !== 'script') return;
      const url = new URL(request.url());
      if (url.origin !== `http://localhost:${port}` || !url.pathname.startsWith('/handoff/')) {
        throw new Error(`${url.href} did not load from the widget's origin`);
      }
      const into = current;
      into.files.push(url.pathname.replace('/handoff/', ''));
      sizes.push(
        request.sizes().then((s) => {
          into.gzipBytes += s.responseBodySize;
        })
      );
    });
    page.on('requestfailed', (request) => {
      throw new Error(`${request.url()} failed: ${request.failure()?.errorText}`);
    });
    await page.goto(`http://127.0.0.1:${port}/`, {waitUntil: 'networkidle'});
    await page.locator('glia-handoff .launcher').waitFor();
    await Promise.all(sizes.splice(0));
    const firstLoad = current;
    current = {gzipBytes: 0, files: []};
    await page.locator('glia-handoff .launcher').click();
    await page.locator('glia-handoff .panel').waitFor();
    await page.waitForLoadState('networkidle');
    await Promise.all(sizes.splice(0));
    return {firstLoad, opened: current};
  } finally {
    await browser.close();
    server.close();
  }
}

/** The language whose strings weigh most (gzip); `en` when the build has no other. */
const heaviestLocale = (files: WidgetFile[]) =>
  files.reduce<WidgetFile | undefined>(
    (top, f) => (f.locale && (!top || f.gzipBytes > top.gzipBytes) ? f : top),
    undefined
  )?.locale ?? 'en';

/** Measures the widget and the Lit floor. */
export async function measureWidget(root: string): Promise<WidgetSize> {
  let browser: {firstLoad: Fetched; opened: Fetched} | undefined;
  let locale = 'en';
  const {files, zodGzipBytes} = await buildFiles(root, undefined, async (dir, built) => {
    locale = heaviestLocale(built);
    browser = await measureInChromium(dir, locale);
  });
  const {files: floor} = await buildFiles(root, join(root, 'bench/lit-floor/lit-floor.ts'));
  const first = files.filter((f) => f.firstLoad);
  const {firstLoad, opened} = browser!;
  const loaded = new Set([...firstLoad.files, ...opened.files]);
  return {
    totalGzipBytes: firstLoad.gzipBytes + opened.gzipBytes,
    locale,
    firstLoadGzipBytes: firstLoad.gzipBytes,
    openedGzipBytes: opened.gzipBytes,
    fetched: {firstLoad: firstLoad.files, opened: opened.files},
    builtFirstLoadGzipBytes: sum(first, 'gzipBytes'),
    allFilesGzipBytes: sum(files, 'gzipBytes'),
    zodGzipBytes,
    litAloneGzipBytes: sum(floor, 'gzipBytes'),
    totalBrotliBytes: sum(
      files.filter((f) => loaded.has(f.file)),
      'brotliBytes'
    ),
    firstLoadBrotliBytes: sum(first, 'brotliBytes'),
    litAloneBrotliBytes: sum(floor, 'brotliBytes'),
    files,
  };
}
