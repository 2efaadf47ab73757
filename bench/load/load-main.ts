/**
 * @module The load generator's process (forked by bench/run.ts with an IPC channel). It plays the
 * visitors and the agents: opens visitors through the proxy or straight at the simulator, runs
 * traffic windows, measures session creation, and answers each command with what it measured.
 * Environment: BENCH_SIM_URL, BENCH_PROXY_URL, BENCH_RELAY_URL. Its webhook receiver listens on
 * 127.0.0.1.
 */
import http from 'node:http';
import {performance} from 'node:perf_hooks';
import type {
  CreateRateCommand,
  CreateRateResult,
  LoadAnswer,
  LoadCommand,
  Mode,
  OpenCommand,
  OpenResult,
} from '../protocol.js';
import {summarize} from '../stats.js';
import {requestJson} from './http-client.js';
import {runTraffic} from './traffic.js';
import type {BenchVisitor, LoadContext} from './visitors.js';
import {mapEngagements, openDirectVisitor, openProxyVisitor, receiveWebhook} from './visitors.js';

const simUrl = process.env.BENCH_SIM_URL ?? '';
const proxyUrl = process.env.BENCH_PROXY_URL ?? '';
const relayUrl = process.env.BENCH_RELAY_URL ?? '';

/** The trivial webhook receiver of the direct visitors: read, stamp, answer 204. */
function startReceiver(ctx: LoadContext): Promise<string> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(204).end();
      const index = Number(/^\/hook\/(\d+)$/.exec(req.url ?? '')?.[1]);
      if (Number.isInteger(index)) {
        try {
          receiveWebhook(ctx, index, Buffer.concat(chunks).toString('utf8'), at);
        } catch (error) {
          ctx.ledgers.direct?.error(`webhook: ${(error as Error).message}`);
        }
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    })
  );
}

const ctx: LoadContext = {
  simUrl,
  proxyUrl,
  receiverUrl: '',
  relayUrl,
  ledgers: {},
  visitors: new Map(),
  strayErrors: [],
};
const pools: Record<Mode, BenchVisitor[]> = {proxy: [], direct: [], relay: []};
let nextIndex = 0;

/** Opens visitors until `total` of the mode are engaged, `parallel` creations at a time. */
async function open(command: OpenCommand): Promise<OpenResult> {
  const started = performance.now();
  const pool = pools[command.mode];
  const deadline = started + command.timeoutMs;
  let failed = 0;
  let firstError: string | undefined;
  let wanted = command.total - pool.length;
  const worker = async () => {
    while (wanted > 0 && performance.now() < deadline) {
      wanted--;
      const index = nextIndex++;
      try {
        const timeoutMs = Math.max(1000, deadline - performance.now());
        const visitor =
          command.mode === 'proxy'
            ? await openProxyVisitor(ctx, index, timeoutMs)
            : await openDirectVisitor(ctx, index, timeoutMs, command.mode);
        pool.push(visitor);
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
        ctx.visitors.get(index)?.stream?.close();
        ctx.visitors.delete(index);
      }
    }
  };
  await Promise.all(Array.from({length: command.parallel}, worker));
  if (command.mode !== 'direct') await mapEngagements(ctx);
  const usable = pool.filter((v) => v.engagementId);
  pools[command.mode] = usable;
  failed += pool.length - usable.length;
  return {
    type: 'open',
    engaged: usable.length,
    failed,
    ms: performance.now() - started,
    ...(firstError ? {firstError} : {}),
  };
}

/** Starts sessions through the proxy, `parallel` at a time, for `durationMs`; counts and times them. */
async function createRate(command: CreateRateCommand): Promise<CreateRateResult> {
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const until = started + command.durationMs;
  const worker = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      try {
        await requestJson(
          `${proxyUrl}/handoff/sessions`,
          {method: 'POST', body: {description: 'Bench: how fast do sessions start?'}},
          [201]
        );
        latencies.push(performance.now() - t0);
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({length: command.parallel}, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    type: 'create-rate',
    parallel: command.parallel,
    created: latencies.length,
    failed,
    seconds,
    latency: summarize(latencies),
    ...(firstError ? {firstError} : {}),
  };
}

async function handle(command: LoadCommand): Promise<LoadAnswer> {
  switch (command.type) {
    case 'open':
      return {id: command.id, ...(await open(command))};
    case 'traffic':
      return {id: command.id, ...(await runTraffic(ctx, pools[command.mode], command))};
    case 'create-rate':
      return {id: command.id, ...(await createRate(command))};
    case 'exit':
      for (const visitor of ctx.visitors.values()) visitor.stream?.close();
      return {id: command.id, type: 'bye'};
  }
}

ctx.receiverUrl = await startReceiver(ctx);
process.on('message', (command: LoadCommand) => {
  handle(command).then(
    (answer) => {
      process.send?.(answer);
      if (answer.type === 'bye') setTimeout(() => process.exit(0), 50);
    },
    (error: Error) => {
      console.error(`load generator: ${command.type} failed: ${error.stack ?? error.message}`);
      process.exit(1);
    }
  );
});
// A clean exit on SIGTERM, so that --cpu-prof (bench --profile) writes its profile.
process.once('SIGTERM', () => process.exit(0));
process.send?.({id: 0, type: 'ready'});
