/** @module Percentiles from every sample (nearest rank), no histogram buckets, no sampling; and what a bench process reports of itself. */

import {getHeapSpaceStatistics} from 'node:v8';

/** A latency distribution in ms. */
export interface Summary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** The nearest-rank percentile `p` (0–100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** Summarises every sample. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  const list = Array.from(sorted);
  const sum = list.reduce((a, b) => a + b, 0);
  return {
    count: list.length,
    p50: percentile(list, 50),
    p95: percentile(list, 95),
    p99: percentile(list, 99),
    max: list.at(-1) ?? Number.NaN,
    mean: list.length ? sum / list.length : Number.NaN,
  };
}

/** Rounds to `digits` decimals (NaN stays NaN, so JSON shows null). */
export const round = (value: number, digits = 2): number =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : Number.NaN;

/**
 * What a bench process says of itself when asked for `stats`: memory (after a full GC, unless
 * `gc` is false; run with --expose-gc) and CPU so far.
 */
export function processStats(gc: boolean | undefined) {
  if (gc !== false) (globalThis as {gc?: () => void}).gc?.();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  return {
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    youngGenerationBytes: young?.space_size ?? 0,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
  };
}
