/**
 * @module The proxy's process in the bench: `glia-handoff proxy` as the CLI builds it (config from
 * the environment through loadConfig, global fetch to Glia), except that the per-address
 * new-session limit and the caps on streams and waiting conversations are lifted (every bench
 * visitor comes from 127.0.0.1) and the log level is the
 * bench's `BENCH_LOG_LEVEL` (default `info`, the CLI's). Forked with an IPC channel: it says where
 * it listens, and answers `stats` (memory after a full GC, CPU, event-loop delay, and the proxy's
 * own time per relayed event since the last `stats`, from the relay probe: bench/residence.ts).
 * Run with --expose-gc.
 */
import {monitorEventLoopDelay} from 'node:perf_hooks';
import {createServer} from 'node:net';
import {DEFAULT_LIMITS, createConfiguredStore, createProxyApp} from '../src/proxy/app.js';
import {loadConfig} from '../src/proxy/config.js';
import type {LogLevel} from '../src/proxy/logger.js';
import type {ProxyCommand, ProxyStats} from './protocol.js';
import {processStats} from './stats.js';
import {nodeGliaFetch} from '../src/proxy/glia/node-fetch.js';
import {listen} from '../src/cli/command.js';
import {handleProfiling} from './profiling.js';
import {residenceProbe} from './residence.js';

/** A port free right now on 127.0.0.1 (PUBLIC_URL must name it before the app exists). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const config = loadConfig({
  // The load comes from one address and holds up to 12,500 streams: lift the per-process caps.
  MAX_EVENT_STREAMS: '1000000',
  MAX_QUEUED_SESSIONS: '1000000',
  MAX_QUEUED_PER_ADDRESS: '1000000',
  ...process.env,
  PORT: String(port),
  HOST: '127.0.0.1',
  PUBLIC_URL: `http://127.0.0.1:${port}`,
});
const limits = {
  ...DEFAULT_LIMITS,
  newSessionsPerAddress: {capacity: 1_000_000, refillPerSecond: 1_000_000},
};
// The relay probe (the proxy's own time per message) is the bench's, not the proxy's: off in the
// windows that measure CPU per message (BENCH_RESIDENCE=off), so they count only what runs in
// production.
const probe = process.env.BENCH_RESIDENCE === 'off' ? undefined : residenceProbe();
const app = createProxyApp({
  config,
  // In memory, or in Redis when the bench sets REDIS_URL, as `glia-handoff proxy` chooses.
  store: await createConfiguredStore(config, limits),
  fetch: nodeGliaFetch,
  logLevel: (process.env.BENCH_LOG_LEVEL ?? 'info') as LogLevel,
  limits,
  probe,
});
// As `glia-handoff proxy` listens: its timeouts, and the webhook fast path.
await listen(app.fetch, port, '127.0.0.1', undefined, app.fastPath);

const loop = monitorEventLoopDelay({resolution: 10});
loop.enable();

/** Token exchanges so far, read from the proxy's own Prometheus metrics. */
function tokenExchanges(): number {
  let total = 0;
  for (const line of app.metrics.render().split('\n'))
    if (line.startsWith('glia_handoff_token_exchanges_total{') && line.includes('outcome="ok"'))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

process.on('message', async (command: ProxyCommand) => {
  if (await handleProfiling(command)) return;
  if (command.type !== 'stats') return;
  const sessions = await app.store.sessions.ids();
  const stats: ProxyStats = {
    id: command.id,
    type: 'stats',
    ...processStats(command.gc),
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    sessions: sessions.length,
    openStreams: app.streams.total,
    tokenExchanges: tokenExchanges(),
    ...(probe ? {residence: probe.read()} : {}),
  };
  loop.reset();
  probe?.reset();
  process.send?.(stats);
});
// A clean exit on SIGTERM, so that --cpu-prof writes its profile.
process.once('SIGTERM', () => process.exit(0));
process.send?.({id: 0, type: 'ready', url: `http://127.0.0.1:${port}`});
