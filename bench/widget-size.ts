/**
 * @module Widget weight: builds the widget with the project's own vite.config.ts (the same build as
 * `npm run build`, into a temporary folder so dist/ is left alone) and a one-element Lit bundle
 * with the same settings (the floor); compresses every emitted file with gzip (level 9) and brotli
 * (quality 11), as a server would precompress static files. "First load" is the entry file and
 * the chunks it imports statically; chunks behind a dynamic import() (the locales) load only when
 * asked for.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {brotliCompressSync, constants, gzipSync} from 'node:zlib';
import type {Rolldown} from 'vite';
import {build} from 'vite';

/** One file the widget may load. */
export interface WidgetFile {
  file: string;
  bytes: number;
  gzipBytes: number;
  brotliBytes: number;
  /** Loaded with the page (entry and its static imports), not on demand. */
  firstLoad: boolean;
}

export interface WidgetSize {
  totalGzipBytes: number;
  firstLoadGzipBytes: number;
  litAloneGzipBytes: number;
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

/** Builds `entry` (default: the widget's) with vite.config.ts into a temporary folder; its files. */
async function buildFiles(root: string, entry?: string): Promise<WidgetFile[]> {
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
    return chunks
      .filter((c) => !c.fileName.endsWith('.map'))
      .map((c) => {
        const data = readFileSync(join(outDir, c.fileName));
        return {
          file: c.fileName,
          bytes: data.length,
          gzipBytes: gzip(data),
          brotliBytes: brotli(data),
          firstLoad: first.has(c.fileName),
        };
      })
      .sort((a, b) => Number(b.firstLoad) - Number(a.firstLoad) || a.file.localeCompare(b.file));
  } finally {
    rmSync(outDir, {recursive: true, force: true});
  }
}

const sum = (files: WidgetFile[], key: 'gzipBytes' | 'brotliBytes') =>
  files.reduce((total, f) => total + f[key], 0);

/** Measures the widget and the Lit floor. */
export async function measureWidget(root: string): Promise<WidgetSize> {
  const files = await buildFiles(root);
  const floor = await buildFiles(root, join(root, 'bench/lit-floor/lit-floor.ts'));
  const first = files.filter((f) => f.firstLoad);
  return {
    totalGzipBytes: sum(files, 'gzipBytes'),
    firstLoadGzipBytes: sum(first, 'gzipBytes'),
    litAloneGzipBytes: sum(floor, 'gzipBytes'),
    totalBrotliBytes: sum(files, 'brotliBytes'),
    firstLoadBrotliBytes: sum(first, 'brotliBytes'),
    litAloneBrotliBytes: sum(floor, 'brotliBytes'),
    files,
  };
}
