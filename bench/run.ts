/**
 * @module `npm run bench`: widget weight, session creation against a slow Glia, and the proxy under
 * load beside the same traffic straight to Glia, in one run. Prints a table, writes
 * bench/results.json and bench/chart.svg.
 *
 * Processes, all on 127.0.0.1: this orchestrator; the simulator (`glia-handoff sim
 * --auto-operator`); the proxy (bench/proxy-main.ts); the load generator (bench/load/load-main.ts),
 * which plays the browsers, the agents (the simulator's control API) and, for the direct
 * baseline, an integrator whose webhooks go to a trivial receiver in its own process.
 *
 * Options: --quick (small and short, results to /tmp), --chart-only (redraw chart.svg from
 * results.json), --cost-only (only the CPU per relayed message, printed, nothing written),
 * --scale-only (only the scale steps of the load, up to the RSS bound whatever the latency, for
 * the memory per stream; printed, nothing written), --max <n> (most visitors, default 19000),
 * --log-level <debug|info|warn|error> (the proxy's, default info as the CLI), --profile (into
 * /tmp/glia-handoff-bench-profiles, or BENCH_PROFILE_DIR: a CPU profile of the proxy during each
 * traffic window through it, a heap snapshot of the proxy after the last step, CPU profiles of the
 * whole simulator and of the load steps' load generator (in load-generator/); read a
 * profile with `npx tsx bench/profile-summary.ts <file>`, a heap snapshot with
 * `npx tsx bench/heap-summary.ts <file> --per <streams>`).
 */
import {execSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {cpus, release, totalmem} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import type {ChartRow} from './chart.js';
import {renderChart} from './chart.js';
import type {ProxyStats, TrafficResult} from './protocol.js';
import type {ProxyProcess} from './processes.js';
import {PROFILE_DIR, startLoad, startProxy, startRelay, startSim} from './processes.js';
import {round} from './stats.js';
import {measureWidget} from './widget-size.js';
import type {CpuProfile} from './profile-summary.js';
import {budget} from './profile-summary.js';
import {redisSkip, startRedis} from '../test/proxy/redis-server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const {values: options} = parseArgs({
  options: {
    quick: {type: 'boolean', default: false},
    max: {type: 'string', default: '19000'},
    'log-level': {type: 'string', default: 'info'},
    profile: {type: 'boolean', default: false},
    'chart-only': {type: 'boolean', default: false},
    'cost-only': {type: 'boolean', default: false},
    'scale-only': {type: 'boolean', default: false},
  },
});
const quick = options.quick;
const maxVisitors = Number(options.max);
const logLevel = options['log-level'];
const outDir = quick ? '/tmp/glia-handoff-bench' : join(root, 'bench');
if (options.profile) mkdirSync(PROFILE_DIR, {recursive: true});

/** The simulator's answer delay for the session-creation step: a realistic Glia round trip. */
const GLIA_DELAY_MS = 50;
/** Short tokens, so the run spans several lifetimes: at most one exchange each. */
const TOKEN_TTL_SECONDS = 60;
/** Stop growing when the proxy passes this, or its p99 passes the latency bound. */
const RSS_BOUND_BYTES = 1024 ** 3;
const LATENCY_BOUND_MS = 2000;
/** The whole load step stops growing after this long. */
const LOAD_BUDGET_MS = quick ? 120_000 : 900_000;

/**
 * The load steps. First 1,000 engaged visitors at the rate the targets name (a message a second
 * each) and at two lower rates, to show where this machine's cores run out; then ever more open
 * streams at a light rate (a message every 10 to 60 s each), to find how many one process holds.
 * Visitors write a tenth as often as operators; the auto-operator answers each of their messages.
 */
type Phase = 'rate' | 'scale';
const LOAD_PLAN: {visitors: number; operatorPerSecond: number; phase: Phase}[] = quick
  ? [
      {visitors: 100, operatorPerSecond: 100, phase: 'rate'},
      {visitors: 500, operatorPerSecond: 250, phase: 'scale'},
    ]
  : [
      {visitors: 100, operatorPerSecond: 100, phase: 'rate'},
      {visitors: 1000, operatorPerSecond: 250, phase: 'rate'},
      {visitors: 1000, operatorPerSecond: 500, phase: 'rate'},
      {visitors: 1000, operatorPerSecond: 1000, phase: 'rate'},
      {visitors: 2500, operatorPerSecond: 250, phase: 'scale'},
      {visitors: 5000, operatorPerSecond: 250, phase: 'scale'},
      {visitors: 7500, operatorPerSecond: 250, phase: 'scale'},
      {visitors: 10_000, operatorPerSecond: 250, phase: 'scale'},
      {visitors: 12_500, operatorPerSecond: 250, phase: 'scale'},
      {visitors: 15_000, operatorPerSecond: 250, phase: 'scale'},
      {visitors: 18_000, operatorPerSecond: 250, phase: 'scale'},
      {visitors: 19_000, operatorPerSecond: 250, phase: 'scale'},
    ];

const MB = 1024 * 1024;
const log = (text: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}`);

function machine() {
  const cpu = cpus();
  let openFiles = 'unknown';
  try {
    openFiles = execSync('ulimit -n', {shell: '/bin/sh'}).toString().trim();
  } catch {
    // Reported as unknown.
  }
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    os: `${process.platform} ${release()}`,
    openFilesLimit: openFiles,
  };
}

/** Step 3 of the issue: sessions per second when every Glia call takes 50 ms. */
async function sessionCreation() {
  const sim = await startSim(root, false);
  await sim.control('config', {auto_operator: false, token_ttl_seconds: 3600});
  await sim.control('faults', {rules: [{path: '*', delay_ms: GLIA_DELAY_MS}]});
  const proxy = await startProxy(root, sim.url, {logLevel});
  const load = await startLoad(root, sim.url, proxy.url);
  const steps = [];
  try {
    for (const parallel of quick ? [1, 50] : [1, 10, 50, 200, 500]) {
      const r = await load.ask<'create-rate'>({
        type: 'create-rate',
        parallel,
        durationMs: quick ? 2000 : 4000,
      });
      if (r.type !== 'create-rate') throw new Error('unexpected answer');
      const step = {
        parallel,
        sessionsPerSecond: round(r.created / r.seconds, 1),
        p50Ms: round(r.latency.p50, 1),
        p99Ms: round(r.latency.p99, 1),
        created: r.created,
        failed: r.failed,
      };
      steps.push(step);
      log(
        `sessions: ${parallel} in parallel → ${step.sessionsPerSecond}/s, p50 ${step.p50Ms} ms` +
          `${r.firstError ? ` (first error: ${r.firstError})` : ''}`
      );
    }
    const stats = await proxy.stats();
    return {gliaDelayMs: GLIA_DELAY_MS, steps, tokenExchanges: stats.tokenExchanges};
  } finally {
    await load.stop();
    await proxy.stop();
    await sim.stop();
  }
}

/**
 * What a relayed agent message costs, in CPU: the bare relay (bench/bare-relay.ts) and the proxy
 * under the same load in the same run, the visitors' side quiet so that both do only this. The
 * issue's goal is at most twice the bare relay.
 */
const COST = quick
  ? {visitors: 200, operatorPerSecond: 200}
  : {visitors: 1000, operatorPerSecond: 1000};
/** Rounds of the three windows; each one's median is the result. */
const COST_ROUNDS = quick ? 1 : 3;

interface CostWindow {
  cpuUsPerMessage: number;
  /** Of which in the kernel (system calls: sockets, epoll). */
  systemCpuUsPerMessage: number;
  /** The proxy's own time per message, webhook in → frame written, p99 (none for the bare relay). */
  residenceP99Ms?: number;
  messages: number;
  e2eP50Ms: number;
  e2eP99Ms: number;
  lost: number;
  duplicated: number;
  errors: number;
  /** With --profile: the main thread's busy time per message, by kind (bench/profile-summary.ts). */
  mainThread?: {kind: string; share: number; usPerMessage: number}[];
}

/** A bench proxy without the relay probe (bench/proxy-main.ts), for the CPU windows. */
const NO_PROBE = {BENCH_RESIDENCE: 'off'};

async function relayCost() {
  const sim = await startSim(root, false);
  await sim.control('config', {
    auto_operator: {accept_after_ms: 100, reply_after_ms: 500},
    token_ttl_seconds: 3600,
  });
  // Without the relay probe: a bench-only hook, absent in production, the bare relay has none.
  const proxy = await startProxy(root, sim.url, {logLevel, env: NO_PROBE});
  const relay = await startRelay(root);
  const load = await startLoad(root, sim.url, proxy.url, relay.url);
  const window = {
    warmupMs: quick ? 2000 : 4000,
    measureMs: quick ? 5000 : 15_000,
    operatorPerSecond: COST.operatorPerSecond,
    visitorPerSecond: 0,
    drainMs: 10_000,
  };
  const measure = async (
    mode: 'relay' | 'proxy',
    target: Pick<ProxyProcess, 'stats'> & Partial<ProxyProcess>,
    via = load,
    label: string = mode
  ): Promise<CostWindow> => {
    const opened = await via.ask<'open'>({
      type: 'open',
      mode,
      total: COST.visitors,
      parallel: 64,
      timeoutMs: 120_000,
    });
    if (opened.type !== 'open' || opened.engaged < COST.visitors)
      throw new Error(`only ${opened.engaged} ${mode} visitors engaged: ${opened.firstError}`);
    const profiled = options.profile && target.startProfile && target.stopProfile;
    const before = await target.stats(false);
    if (profiled) await target.startProfile?.();
    const traffic = await via.ask<'traffic'>({type: 'traffic', mode, ...window});
    const profileFile = join(PROFILE_DIR, `cost-${label.replaceAll(' ', '-')}.cpuprofile`);
    if (profiled) await target.stopProfile?.(profileFile);
    const after = await target.stats(false);
    if (traffic.type !== 'traffic') throw new Error('unexpected answer');
    const userMs = after.cpuUserMs - before.cpuUserMs;
    const systemMs = after.cpuSystemMs - before.cpuSystemMs;
    const perMessage = (ms: number) => round((ms * 1000) / Math.max(1, traffic.arrived), 1);
    const result = {
      cpuUsPerMessage: perMessage(userMs + systemMs),
      // The kernel's share (system calls: sockets, epoll) apart from the process's own code.
      systemCpuUsPerMessage: perMessage(systemMs),
      ...(after.residence ? {residenceP99Ms: round(after.residence.p99Ms, 2)} : {}),
      messages: traffic.arrived,
      e2eP50Ms: round(traffic.e2e.p50),
      e2eP99Ms: round(traffic.e2e.p99),
      lost: traffic.lost,
      duplicated: traffic.duplicated,
      errors: traffic.errors,
      ...(profiled
        ? {
            mainThread: budget(
              JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile,
              Math.max(1, traffic.arrived)
            ),
          }
        : {}),
    };
    log(
      `cost, ${label}: ${result.cpuUsPerMessage} µs CPU per message ` +
        `(${result.systemCpuUsPerMessage} in the kernel) over ${result.messages} ` +
        `messages, e2e p99 ${result.e2eP99Ms} ms` +
        `${result.residenceP99Ms === undefined ? '' : `, residence p99 ${result.residenceP99Ms} ms`}` +
        `, lost ${result.lost} dup ${result.duplicated}`
    );
    for (const row of result.mainThread?.slice(0, 12) ?? [])
      log(`  ${row.share.toFixed(1).padStart(5)} % of the main thread's busy time: ${row.kind}`);
    return result;
  };
  // The same window on Redis: a second proxy and its own load generator (none without redis-server).
  const onRedis = await redisSide(sim.url);
  const rounds: Record<'bare' | 'proxy' | 'redis', CostWindow[]> = {bare: [], proxy: [], redis: []};
  try {
    // Interleaved rounds, each target's median reported: one window alone moved by a fifth from
    // run to run on this machine, and the goal is a ratio of two of them.
    for (let n = 1; n <= COST_ROUNDS; n++) {
      log(`cost, round ${n} of ${COST_ROUNDS}`);
      rounds.bare.push(await measure('relay', relay));
      rounds.proxy.push(await measure('proxy', proxy));
      if (onRedis)
        rounds.redis.push(await measure('proxy', onRedis.proxy, onRedis.load, 'proxy on Redis'));
    }
    const bare = medianWindow(rounds.bare);
    const through = medianWindow(rounds.proxy);
    const redis = rounds.redis.length ? medianWindow(rounds.redis) : undefined;
    const perRound = (windows: CostWindow[]) => windows.map((w) => w.cpuUsPerMessage);
    return {
      ...COST,
      rounds: COST_ROUNDS,
      bareCpuUsPerMessage: bare.cpuUsPerMessage,
      proxyCpuUsPerMessage: through.cpuUsPerMessage,
      redisCpuUsPerMessage: redis?.cpuUsPerMessage ?? null,
      proxyToBare: round(through.cpuUsPerMessage / bare.cpuUsPerMessage, 2),
      redisToBare: redis ? round(redis.cpuUsPerMessage / bare.cpuUsPerMessage, 2) : null,
      cpuUsPerMessageByRound: {
        bare: perRound(rounds.bare),
        proxy: perRound(rounds.proxy),
        ...(redis ? {redis: perRound(rounds.redis)} : {}),
      },
      windows: {bare, proxy: through, ...(redis ? {redis} : {})},
    };
  } finally {
    await onRedis?.stop();
    await load.stop();
    await relay.stop();
    await proxy.stop();
    await sim.stop();
  }
}

/** The window with the median CPU per message (of an odd count: one that was measured). */
function medianWindow(windows: CostWindow[]): CostWindow {
  const sorted = [...windows].sort((x, y) => x.cpuUsPerMessage - y.cpuUsPerMessage);
  return sorted[Math.floor(sorted.length / 2)] as CostWindow;
}

/**
 * A second proxy whose sessions are in Redis (Debian's redis-server on a free port, no
 * persistence), with its own load generator; `undefined` when redis-server is missing.
 */
async function redisSide(simUrl: string) {
  if (redisSkip()) {
    log('cost on Redis: skipped, no redis-server');
    return undefined;
  }
  const redis = await startRedis();
  const proxy = await startProxy(root, simUrl, {
    logLevel,
    env: {
      ...NO_PROBE,
      REDIS_URL: redis.url,
      SESSION_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    },
  });
  const load = await startLoad(root, simUrl, proxy.url);
  return {
    proxy,
    load,
    async stop() {
      await load.stop();
      await proxy.stop();
      await redis.stop();
    },
  };
}

/** One row of results.proxy. */
interface ProxyRow {
  concurrency: number;
  e2eP50Ms: number;
  e2eP95Ms: number;
  e2eP99Ms: number;
  overheadP50Ms: number;
  overheadP95Ms: number;
  overheadP99Ms: number;
  sendP50Ms: number;
  sendP95Ms: number;
  sendP99Ms: number;
  /** The proxy's own time per relayed event, webhook in → frame written (bench/residence.ts). */
  residenceP50Ms: number;
  residenceP99Ms: number;
  residenceSamples: number;
  rssPerStreamKB: number;
  lost: number;
  duplicated: number;
  errors: number;
  direct: {
    e2eP50Ms: number;
    e2eP95Ms: number;
    e2eP99Ms: number;
    sendP50Ms: number;
    sendP99Ms: number;
    lost: number;
    duplicated: number;
    errors: number;
  };
  operatorMessagesPerSecond: number;
  visitorMessagesPerSecond: number;
  operatorMessages: number;
  visitorMessages: number;
  e2eSamples: number;
  rssMB: number;
  /** Of the RSS, V8's young generation (a fixed cost once the proxy has been busy). */
  youngGenerationMB: number;
  openStreams: number;
  proxyCpuPercent: number;
  proxyLoopDelayP99Ms: number;
  loadLoopDelayP99Ms: number;
  /** How late the load generator made its sends against their schedule, p99. */
  loadScheduleLagP99Ms: number;
}

const diff = (a: number, b: number) => round(a - b);

function toRow(
  visitors: number,
  rates: {operator: number; visitor: number},
  proxy: TrafficResult,
  direct: TrafficResult,
  stats: ProxyStats,
  baseline: ProxyStats,
  cpuPercent: number
): ProxyRow {
  return {
    concurrency: visitors,
    e2eP50Ms: round(proxy.e2e.p50),
    e2eP95Ms: round(proxy.e2e.p95),
    e2eP99Ms: round(proxy.e2e.p99),
    overheadP50Ms: diff(proxy.e2e.p50, direct.e2e.p50),
    overheadP95Ms: diff(proxy.e2e.p95, direct.e2e.p95),
    overheadP99Ms: diff(proxy.e2e.p99, direct.e2e.p99),
    sendP50Ms: round(proxy.send.p50),
    sendP95Ms: round(proxy.send.p95),
    sendP99Ms: round(proxy.send.p99),
    residenceP50Ms: round(stats.residence?.p50Ms ?? 0, 2),
    residenceP99Ms: round(stats.residence?.p99Ms ?? 0, 2),
    residenceSamples: stats.residence?.count ?? 0,
    rssPerStreamKB: round((stats.rssBytes - baseline.rssBytes) / stats.openStreams / 1024, 1),
    lost: proxy.lost,
    duplicated: proxy.duplicated,
    errors: proxy.errors,
    direct: {
      e2eP50Ms: round(direct.e2e.p50),
      e2eP95Ms: round(direct.e2e.p95),
      e2eP99Ms: round(direct.e2e.p99),
      sendP50Ms: round(direct.send.p50),
      sendP99Ms: round(direct.send.p99),
      lost: direct.lost,
      duplicated: direct.duplicated,
      errors: direct.errors,
    },
    operatorMessagesPerSecond: rates.operator,
    visitorMessagesPerSecond: rates.visitor,
    operatorMessages: proxy.operatorSent,
    visitorMessages: proxy.visitorSent,
    e2eSamples: proxy.e2e.count,
    rssMB: round(stats.rssBytes / MB, 1),
    youngGenerationMB: round(stats.youngGenerationBytes / MB, 1),
    openStreams: stats.openStreams,
    proxyCpuPercent: round(cpuPercent, 1),
    proxyLoopDelayP99Ms: round(stats.loopDelayP99Ms),
    loadLoopDelayP99Ms: round(proxy.loadLoopDelayP99Ms),
    loadScheduleLagP99Ms: round(proxy.scheduleLagP99Ms),
  };
}

/** Step 2 of the issue: 100, 1,000, then more until a bound, each through the proxy and direct. */
async function underLoad() {
  const sim = await startSim(root, options.profile);
  await sim.control('config', {
    auto_operator: {accept_after_ms: 100, reply_after_ms: 500},
    token_ttl_seconds: TOKEN_TTL_SECONDS,
  });
  const proxy = await startProxy(root, sim.url, {logLevel});
  const load = await startLoad(root, sim.url, proxy.url, '', options.profile);
  const started = Date.now();
  const baseline = await proxy.stats();
  log(
    `proxy up, RSS ${round(baseline.rssBytes / MB, 1)} MB before any session ` +
      `(young generation ${round(baseline.youngGenerationBytes / MB, 1)} MB)`
  );
  const steps = LOAD_PLAN.filter(
    (step) => step.visitors <= maxVisitors && (!options['scale-only'] || step.phase === 'scale')
  );
  const rows: (ProxyRow & {phase: Phase})[] = [];
  let stoppedBecause = `reached the last step, ${steps.at(-1)?.visitors} visitors`;
  try {
    for (const {visitors, operatorPerSecond, phase} of steps) {
      if (Date.now() - started > LOAD_BUDGET_MS) {
        stoppedBecause = `time budget of ${LOAD_BUDGET_MS / 1000} s spent`;
        break;
      }
      const rates = {operator: operatorPerSecond, visitor: operatorPerSecond / 10};
      const long = visitors <= 1000 && !quick;
      const window = {
        warmupMs: quick ? 2000 : 4000,
        measureMs: quick ? 5000 : long ? 20_000 : 10_000,
        operatorPerSecond: rates.operator,
        visitorPerSecond: rates.visitor,
        drainMs: 10_000,
      };
      for (const mode of ['direct', 'proxy'] as const) {
        const opened = await load.ask<'open'>({
          type: 'open',
          mode,
          total: visitors,
          parallel: 64,
          timeoutMs: 120_000,
        });
        if (opened.type !== 'open') throw new Error('unexpected answer');
        log(
          `${visitors} ${mode} visitors engaged (${Math.round(opened.ms)} ms` +
            `${opened.failed ? `, ${opened.failed} failed: ${opened.firstError}` : ''})`
        );
        if (opened.engaged < visitors)
          stoppedBecause = `only ${opened.engaged} ${mode} visitors engaged`;
      }
      if (stoppedBecause.startsWith('only')) break;
      const direct = await load.ask<'traffic'>({type: 'traffic', mode: 'direct', ...window});
      const before = await proxy.stats();
      if (options.profile) await proxy.startProfile();
      const through = await load.ask<'traffic'>({type: 'traffic', mode: 'proxy', ...window});
      if (options.profile)
        await proxy.stopProfile(
          join(PROFILE_DIR, `proxy-${visitors}-${operatorPerSecond}.cpuprofile`)
        );
      const after = await proxy.stats();
      if (direct.type !== 'traffic' || through.type !== 'traffic')
        throw new Error('unexpected answer');
      const windowMs = window.warmupMs + window.measureMs;
      const cpuPercent =
        ((after.cpuUserMs + after.cpuSystemMs - before.cpuUserMs - before.cpuSystemMs) / windowMs) *
        100;
      const row = {phase, ...toRow(visitors, rates, through, direct, after, baseline, cpuPercent)};
      rows.push(row);
      log(
        `${visitors}: e2e p50/p99 ${row.e2eP50Ms}/${row.e2eP99Ms} ms (direct ${row.direct.e2eP50Ms}/` +
          `${row.direct.e2eP99Ms}), overhead p99 ${row.overheadP99Ms} ms, residence p99 ${row.residenceP99Ms} ms, send p99 ${row.sendP99Ms} ms, ` +
          `RSS ${row.rssMB} MB (${row.rssPerStreamKB} KB/stream; young generation ${row.youngGenerationMB} MB), proxy CPU ${row.proxyCpuPercent}%, ` +
          `lost ${row.lost}+${row.direct.lost} dup ${row.duplicated}+${row.direct.duplicated} ` +
          `errors ${row.errors}+${row.direct.errors}`
      );
      for (const sample of [...through.errorSamples, ...direct.errorSamples])
        log(`  error: ${sample}`);
      if (after.rssBytes > RSS_BOUND_BYTES) {
        stoppedBecause = `proxy RSS passed 1 GB at ${visitors} visitors`;
        break;
      }
      // Saturating the cores is the point of the rate phase; only more streams stop at the bound.
      if (phase === 'scale' && row.e2eP99Ms > LATENCY_BOUND_MS && !options['scale-only']) {
        stoppedBecause = `p99 passed ${LATENCY_BOUND_MS} ms at ${visitors} visitors`;
        break;
      }
    }
    const final = await proxy.stats();
    if (options.profile && final.openStreams > 0)
      await proxy.heapSnapshot(
        join(PROFILE_DIR, `proxy-${final.openStreams}-streams.heapsnapshot`)
      );
    const seconds = (Date.now() - started) / 1000;
    // The proxy renews its token at 90 % of its lifetime (src/proxy/glia/glia-client.ts), and only
    // when a call needs it: starting sessions does, messages go with each visitor's own token.
    const atMost = Math.ceil(seconds / (TOKEN_TTL_SECONDS * 0.9));
    return {rows, stoppedBecause, tokenExchanges: final.tokenExchanges, atMost, seconds};
  } finally {
    await load.stop();
    await proxy.stop();
    await sim.stop();
  }
}

function printTable(rows: ProxyRow[]): void {
  const header = [
    'visitors',
    'op msg/s',
    'e2e p50',
    'e2e p95',
    'e2e p99',
    'direct p50',
    'direct p99',
    'overhead p50',
    'overhead p99',
    'send p99',
    'direct send p99',
    'residence p99',
    'RSS MB',
    'KB/stream',
    'proxy CPU %',
    'lost',
    'dup',
    'errors',
  ];
  const lines = rows.map((r) =>
    [
      r.concurrency,
      r.operatorMessagesPerSecond,
      r.e2eP50Ms,
      r.e2eP95Ms,
      r.e2eP99Ms,
      r.direct.e2eP50Ms,
      r.direct.e2eP99Ms,
      r.overheadP50Ms,
      r.overheadP99Ms,
      r.sendP99Ms,
      r.direct.sendP99Ms,
      r.residenceP99Ms,
      r.rssMB,
      r.rssPerStreamKB,
      r.proxyCpuPercent,
      r.lost + r.direct.lost,
      r.duplicated + r.direct.duplicated,
      r.errors + r.direct.errors,
    ].map(String)
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]?.length ?? 0)));
  const format = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

/** bench/chart.svg, from the load steps. */
async function writeChart(
  dir: string,
  rows: (ProxyRow & {phase: Phase})[],
  on: ReturnType<typeof machine>
): Promise<void> {
  const chartRows: ChartRow[] = rows.map((r) => ({
    visitors: r.concurrency,
    operatorPerSecond: r.operatorMessagesPerSecond,
    phase: r.phase,
    e2eP50Ms: r.e2eP50Ms,
    e2eP99Ms: r.e2eP99Ms,
    directE2eP50Ms: r.direct.e2eP50Ms,
    directE2eP99Ms: r.direct.e2eP99Ms,
    rssMB: r.rssMB,
    rssPerStreamKB: r.rssPerStreamKB,
  }));
  const subtitle = `${on.cpus} cores, ${on.memoryGiB} GiB, Node ${on.node}; simulator, proxy and load generator in separate processes`;
  writeFileSync(join(dir, 'chart.svg'), await renderChart(chartRows, subtitle));
}

if (options['chart-only']) {
  // Redraws the chart from the last run's results, without measuring anything.
  const saved = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as {
    machine: ReturnType<typeof machine>;
    proxy: (ProxyRow & {phase: Phase})[];
  };
  await writeChart(outDir, saved.proxy, saved.machine);
  console.log(`Wrote ${join(outDir, 'chart.svg')} from ${join(outDir, 'results.json')}`);
  process.exit(0);
}

if (options['cost-only']) {
  console.log(JSON.stringify(await relayCost(), null, 2));
  process.exit(0);
}

if (options['scale-only']) {
  const scaled = await underLoad();
  console.log(`\nProxy under load (ms; stopped: ${scaled.stoppedBecause}):`);
  printTable(scaled.rows);
  process.exit(0);
}

const begun = Date.now();
const machineInfo = machine();
log(
  `machine: ${machineInfo.cpus} × ${machineInfo.cpuModel}, ${machineInfo.memoryGiB} GiB, ${machineInfo.node}`
);
const widget = await measureWidget(root);
log(
  `widget: ${widget.totalGzipBytes} B gzip with the chat open (locale ${widget.locale}, in Chromium), ${widget.firstLoadGzipBytes} B of it the first load, zod ${widget.zodGzipBytes} B, Lit alone ${widget.litAloneGzipBytes} B`
);
const sessions = await sessionCreation();
const relay = await relayCost();
const load = await underLoad();

const largest = load.rows.reduce<(typeof load.rows)[number] | undefined>(
  (a, b) => (a === undefined || b.openStreams > a.openStreams ? b : a),
  undefined
);
const best = sessions.steps.reduce((a, b) => (b.sessionsPerSecond > a.sessionsPerSecond ? b : a));
const results = {
  machine: machineInfo,
  widget,
  relay,
  proxy: load.rows,
  /** The most event streams one proxy process held open in the run, and its RSS then. */
  largestOpenStreams: largest?.openStreams ?? 0,
  largestOpenStreamsRssMB: largest?.rssMB ?? null,
  tokenExchanges: load.tokenExchanges,
  sessionsPerSecond: best.sessionsPerSecond,
  details: {
    generatedAt: new Date().toISOString(),
    runSeconds: round((Date.now() - begun) / 1000, 0),
    proxyLogLevel: logLevel,
    load: {
      stoppedBecause: load.stoppedBecause,
      seconds: round(load.seconds, 0),
      tokenTtlSeconds: TOKEN_TTL_SECONDS,
      tokenExchangesAtMost: load.atMost,
      autoOperator: {acceptAfterMs: 100, replyAfterMs: 500},
    },
    sessionCreation: {...sessions, bestParallel: best.parallel},
    measured: {
      e2e: 'operator message: the load generator starts POST /__sim/engagements/:id/messages → the SSE frame with that text is parsed by the same process (through the proxy), or the webhook with it is read by a trivial receiver in the same process (direct)',
      send: 'visitor message: PUT /handoff/sessions/:id/messages/:uuid → its answer (through the proxy), or PUT /engagements/:id/chat_messages/:uuid → its answer (direct)',
      overhead:
        'difference of the percentiles through the proxy and direct, same simulator, same traffic, same run',
      residence:
        "the proxy's own time per relayed event, taken inside it (bench/residence.ts): performance.now() when a webhook delivery reaches the proxy's request handler → when its event's SSE frame is handed to the visitor's socket; paired by session and event id, percentiles of every pair in the window",
      rssPerStreamKB:
        '(proxy RSS after a full GC − RSS before any session) / open streams; each stream has its session and its event log',
      relay:
        'CPU per relayed agent message: process.cpuUsage() of the bare relay (bench/bare-relay.ts: node:http, webhook POST → JSON.parse → one SSE frame) or of the proxy over a traffic window (warm-up, measure and drain) / the messages that reached the visitors in it; same simulator, same visitors, same rate, visitor side quiet; the proxy without the bench relay probe (absent in production); on Redis: a second proxy with REDIS_URL (redis-server on loopback, no persistence) and its own visitors',
      percentiles: 'nearest rank over every sample after the warm-up',
    },
  },
};

mkdirSync(outDir, {recursive: true});
writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
await writeChart(outDir, load.rows, machineInfo);

console.log(
  `\nWidget: ${widget.totalGzipBytes} B gzip with the chat open in the heaviest language, ${widget.locale} (${widget.totalBrotliBytes} B brotli; every built file ${widget.allFilesGzipBytes} B gzip; zod ${widget.zodGzipBytes} B), first load ${widget.firstLoadGzipBytes} B gzip in Chromium (a page that never opens the chat; ${widget.builtFirstLoadGzipBytes} B by the build), ${widget.openedGzipBytes} B more when the chat opens; Lit alone ${widget.litAloneGzipBytes} B gzip`
);
for (const f of widget.files)
  console.log(
    `  ${f.file.padEnd(28)} ${String(f.bytes).padStart(7)} B  gzip ${String(f.gzipBytes).padStart(6)}  brotli ${String(f.brotliBytes).padStart(6)}  ${f.firstLoad ? 'first load' : 'on demand'}`
  );
console.log(`\nSessions per second, every Glia call answered after ${GLIA_DELAY_MS} ms:`);
for (const s of sessions.steps)
  console.log(
    `  ${String(s.parallel).padStart(4)} in parallel: ${s.sessionsPerSecond}/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, failed ${s.failed}`
  );
console.log(
  `\nCPU per relayed agent message, ${relay.visitors} visitors, ${relay.operatorPerSecond} msg/s: ` +
    `bare relay ${relay.bareCpuUsPerMessage} µs, proxy ${relay.proxyCpuUsPerMessage} µs ` +
    `(${relay.proxyToBare}× the bare relay; goal ≤ 2×), on Redis ${relay.redisCpuUsPerMessage ?? '–'} µs ` +
    `(${relay.redisToBare ?? '–'}×; goal ≤ 3×)`
);
console.log(`\nProxy under load (ms; stopped: ${load.stoppedBecause}):`);
printTable(load.rows);
console.log(
  `\nToken exchanges: ${load.tokenExchanges} in ${round(load.seconds, 0)} s with ${TOKEN_TTL_SECONDS} s tokens (at most one per lifetime: ${load.atMost})`
);
if (options.profile) console.log(`CPU profiles: ${PROFILE_DIR}`);
console.log(
  `Wrote ${join(outDir, 'results.json')} and ${join(outDir, 'chart.svg')} in ${round((Date.now() - begun) / 1000, 0)} s`
);
