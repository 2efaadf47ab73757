/**
 * @module The messages the bench's processes exchange over their IPC channels: the orchestrator
 * (bench/run.ts) asks, the load generator (bench/load/load-main.ts) and the proxy
 * (bench/proxy-main.ts) answer. Every request carries an `id`; the answer echoes it.
 */
import type {Residence} from './residence.js';
import type {Summary} from './stats.js';

/**
 * Where the visitors' traffic goes: through the proxy; straight to the simulator (webhooks to a
 * trivial receiver in the load generator); or through the bare relay (bench/bare-relay.ts), the
 * least a webhook-to-stream relay can do.
 */
export type Mode = 'proxy' | 'direct' | 'relay';

/** Opens visitors until `total` of this mode are engaged. */
export interface OpenCommand {
  type: 'open';
  mode: Mode;
  total: number;
  /** Creations in flight at once. */
  parallel: number;
  timeoutMs: number;
}

/** Runs traffic over every engaged visitor of `mode`, then drains and checks exactly-once. */
export interface TrafficCommand {
  type: 'traffic';
  mode: Mode;
  warmupMs: number;
  measureMs: number;
  /** Operator messages per second, over all visitors (round-robin). */
  operatorPerSecond: number;
  /** Visitor messages per second, over all visitors (round-robin). */
  visitorPerSecond: number;
  /** Longest wait after the last send for everything to arrive. */
  drainMs: number;
}

/** Starts sessions through the proxy as fast as `parallel` workers can, for `durationMs`. */
export interface CreateRateCommand {
  type: 'create-rate';
  parallel: number;
  durationMs: number;
}

export type LoadCommand = (OpenCommand | TrafficCommand | CreateRateCommand | {type: 'exit'}) & {
  id: number;
};

export interface OpenResult {
  type: 'open';
  engaged: number;
  failed: number;
  ms: number;
  firstError?: string;
}

/** What one traffic window measured, all latencies in ms. */
export interface TrafficResult {
  type: 'traffic';
  mode: Mode;
  visitors: number;
  /** Operator message: control call started → SSE frame (proxy) or webhook (direct) in. */
  e2e: Summary;
  /** Visitor message: PUT started → answer (through the proxy, or straight to Glia). */
  send: Summary;
  operatorSent: number;
  visitorSent: number;
  /** Messages that reached the visitor's side at least once, over the whole window. */
  arrived: number;
  lost: number;
  duplicated: number;
  errors: number;
  /** The first few error descriptions, for the log. */
  errorSamples: string[];
  /** The load generator's own event-loop delay p99 during the window (ms). */
  loadLoopDelayP99Ms: number;
  /** How late the generator's sends were against their schedule, p99 (ms). */
  scheduleLagP99Ms: number;
}

export interface CreateRateResult {
  type: 'create-rate';
  parallel: number;
  created: number;
  failed: number;
  seconds: number;
  /** Per session, POST → 201, ms. */
  latency: Summary;
  firstError?: string;
}

export type LoadAnswer = (OpenResult | TrafficResult | CreateRateResult | {type: 'bye'}) & {
  id: number;
};

/** Asked of the proxy process. */
export type ProxyCommand =
  /** `gc: false` reads the counters without a full GC first (for CPU over a window). */
  | {id: number; type: 'stats'; gc?: boolean}
  | {id: number; type: 'profile-start'}
  | {id: number; type: 'profile-stop'; file: string}
  | {id: number; type: 'heap-snapshot'; file: string};

/** The proxy process's own view: memory after a full GC, CPU, event-loop delay since last asked. */
export interface ProxyStats {
  id: number;
  type: 'stats';
  rssBytes: number;
  heapUsedBytes: number;
  /**
   * V8's young generation as committed: it grows with the allocation rate (to 32 MB on Node 20)
   * and stays, so it is in every step's RSS after a busy one, whatever the streams.
   */
  youngGenerationBytes: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  loopDelayP99Ms: number;
  sessions: number;
  openStreams: number;
  tokenExchanges: number;
  /** The bare relay: frames written so far. */
  relayed?: number;
  /** The proxy: webhook in → frame written, since the last `stats` (bench/residence.ts). */
  residence?: Residence;
}
