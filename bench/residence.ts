/**
 * @module The proxy's own time per relayed event, inside the bench's proxy process: the relay
 * probe (src/proxy/relay-probe.ts) pairs a delivery's arrival with its frame's write by session
 * and event id, whichever end is reported first, and records the time between them in a
 * histogram. Ends that never pair (an event no stream was open for, a frame of the visitor's own
 * message) are dropped after two generations of `GENERATION_MS`, so the probe holds little.
 */
import {createHistogram} from 'node:perf_hooks';
import type {RelayProbe} from '../src/proxy/relay-probe.js';

const GENERATION_MS = 10_000;

export interface Residence {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function residenceProbe(): RelayProbe & {read(): Residence; reset(): void} {
  const histogram = createHistogram();
  let arrived = new Map<string, number>();
  let wrote = new Map<string, number>();
  let olderArrived = new Map<string, number>();
  let olderWrote = new Map<string, number>();
  let generationEnds = performance.now() + GENERATION_MS;
  const age = (now: number) => {
    if (now < generationEnds) return;
    [olderArrived, arrived] = [arrived, new Map()];
    [olderWrote, wrote] = [wrote, new Map()];
    generationEnds = now + GENERATION_MS;
  };
  const take = (map: Map<string, number>, older: Map<string, number>, key: string) => {
    const at = map.get(key) ?? older.get(key);
    if (at !== undefined) {
      map.delete(key);
      older.delete(key);
    }
    return at;
  };
  const record = (ms: number) => histogram.record(Math.max(1, Math.round(ms * 1e6)));
  return {
    appended(sessionId, eventIds, receivedAt) {
      const now = performance.now();
      age(now);
      for (const id of eventIds) {
        const key = `${sessionId} ${id}`;
        const written = take(wrote, olderWrote, key);
        if (written === undefined) arrived.set(key, receivedAt);
        else record(written - receivedAt);
      }
    },
    written(sessionId, eventId) {
      const now = performance.now();
      age(now);
      const key = `${sessionId} ${eventId}`;
      const receivedAt = take(arrived, olderArrived, key);
      if (receivedAt === undefined) wrote.set(key, now);
      else record(now - receivedAt);
    },
    read: () => ({
      count: histogram.count,
      p50Ms: histogram.count ? histogram.percentile(50) / 1e6 : 0,
      p99Ms: histogram.count ? histogram.percentile(99) / 1e6 : 0,
      maxMs: histogram.count ? histogram.max / 1e6 : 0,
    }),
    reset: () => histogram.reset(),
  };
}
