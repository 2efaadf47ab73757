/**
 * @module The bench's child processes, each on 127.0.0.1: the simulator (the real
 * `glia-handoff sim --auto-operator`), the proxy (bench/proxy-main.ts) and the load generator
 * (bench/load/load-main.ts). Each is asked and answers over IPC (the simulator over its control
 * API); `stop()` ends it, by SIGTERM, then SIGKILL if it lingers.
 */
import type {ChildProcess} from 'node:child_process';
import {fork, spawn} from 'node:child_process';
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {SEED} from '../src/simulator/seed.js';
import type {LoadAnswer, LoadCommand, ProxyCommand, ProxyStats} from './protocol.js';

/** Distributive Omit, so each member of a union keeps its own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

const children = new Set<ChildProcess>();

// Never leave a server behind, whatever happens to the bench.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Where CPU profiles and heap snapshots go when the bench runs with --profile (BENCH_PROFILE_DIR, to keep runs apart). */
export const PROFILE_DIR =
  process.env.BENCH_PROFILE_DIR ?? join('/tmp', 'glia-handoff-bench-profiles');

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      children.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A forked child that answers requests carrying an `id` with messages carrying the same `id`. */
class IpcChild<Req extends {id: number; type: string}, Ans extends {id: number}> {
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: Ans) => void>();

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: Ans) => {
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    });
  }

  ask(request: WithoutId<Req>): Promise<Ans> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`a child exited (${code}) while asked to ${request.type}`));
      this.child.once('exit', onExit);
      this.waiting.set(id, (answer) => {
        this.child.off('exit', onExit);
        resolve(answer);
      });
      this.child.send({...request, id});
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  stop(): Promise<void> {
    return stop(this.child);
  }
}

/** Forks `script` under tsx; resolves with the child and its first (ready) message. */
function forkTs(
  script: string,
  env: Record<string, string>,
  extraArgs: string[] = []
): Promise<{child: ChildProcess; ready: {url?: string}}> {
  const child = fork(script, [], {
    execArgv: ['--import', 'tsx', ...extraArgs],
    env: {...process.env, ...env},
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    child.once('message', (ready: {url?: string}) => resolve({child, ready}));
    child.once('exit', (code) =>
      reject(new Error(`${script} exited (${code}) before it was ready`))
    );
  });
}

/** A running simulator. */
export interface SimProcess {
  url: string;
  pid: number;
  /** `POST /__sim/<path>` with a JSON body. */
  control(path: string, body: unknown): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `glia-handoff sim --port 0 --auto-operator` and reads its URL from what it prints. */
export function startSim(root: string, profile: boolean): Promise<SimProcess> {
  const execArgv = profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  if (profile) mkdirSync(PROFILE_DIR, {recursive: true});
  const child = spawn(
    process.execPath,
    [...execArgv, join(root, 'bin/glia-handoff.js'), 'sim', '--port', '0', '--auto-operator'],
    {stdio: ['ignore', 'pipe', 'inherit']}
  );
  children.add(child);
  return new Promise((resolve, reject) => {
    let printed = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      printed += text;
      const url = /Glia simulator\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1];
      if (!url) return;
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      resolve({
        url,
        pid: child.pid ?? 0,
        control: async (path, body) => {
          const response = await fetch(`${url}/__sim/${path}`, {
            method: 'POST',
            headers: {'content-type': 'application/json'},
            body: JSON.stringify(body),
          });
          if (!response.ok)
            throw new Error(`POST /__sim/${path} → ${response.status} ${await response.text()}`);
        },
        stop: () => stop(child),
      });
    });
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code}) at start`)));
  });
}

/** A running proxy. */
export interface ProxyProcess {
  url: string;
  pid: number;
  /** Memory (after a full GC unless `gc` is false), CPU, event-loop delay. */
  stats(gc?: boolean): Promise<ProxyStats>;
  /** CPU-profiles the proxy from now until `stopProfile`, which writes the profile to `file`. */
  startProfile(): Promise<void>;
  stopProfile(file: string): Promise<void>;
  /** Writes a V8 heap snapshot of the proxy to `file`. */
  heapSnapshot(file: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts bench/proxy-main.ts against the simulator at `simUrl`, with the seeded Service Credential. */
export async function startProxy(
  root: string,
  simUrl: string,
  options: {logLevel: string; env?: Record<string, string>}
): Promise<ProxyProcess> {
  const {child, ready} = await forkTs(
    join(root, 'bench/proxy-main.ts'),
    {
      GLIA_API_BASE: simUrl,
      GLIA_SITE_ID: SEED.siteId,
      GLIA_QUEUE_ID: SEED.openQueue.id,
      GLIA_API_KEY_ID: SEED.serviceCredential.apiKeyId,
      GLIA_API_KEY_SECRET: SEED.serviceCredential.apiKeySecret,
      BENCH_LOG_LEVEL: options.logLevel,
      ...options.env,
    },
    ['--expose-gc']
  );
  const ipc = new IpcChild<ProxyCommand, ProxyStats | {id: number; type: 'profile'}>(child);
  return {
    url: ready.url ?? '',
    pid: ipc.pid,
    stats: async (gc = true) => (await ipc.ask({type: 'stats', gc})) as ProxyStats,
    startProfile: async () => void (await ipc.ask({type: 'profile-start'})),
    stopProfile: async (file) => void (await ipc.ask({type: 'profile-stop', file})),
    heapSnapshot: async (file) => void (await ipc.ask({type: 'heap-snapshot', file})),
    stop: () => ipc.stop(),
  };
}

/** Starts the bare relay (bench/bare-relay.ts), the floor the proxy's cost is measured against. */
export async function startRelay(root: string): Promise<ProxyProcess> {
  const {child, ready} = await forkTs(join(root, 'bench/bare-relay.ts'), {}, ['--expose-gc']);
  const ipc = new IpcChild<ProxyCommand, ProxyStats | {id: number; type: 'profile'}>(child);
  return {
    url: ready.url ?? '',
    pid: ipc.pid,
    stats: async (gc = true) => (await ipc.ask({type: 'stats', gc})) as ProxyStats,
    startProfile: async () => void (await ipc.ask({type: 'profile-start'})),
    stopProfile: async (file) => void (await ipc.ask({type: 'profile-stop', file})),
    heapSnapshot: async (file) => void (await ipc.ask({type: 'heap-snapshot', file})),
    stop: () => ipc.stop(),
  };
}

/** A running load generator. */
export interface LoadProcess {
  pid: number;
  ask<T extends LoadAnswer['type']>(
    command: WithoutId<LoadCommand>
  ): Promise<Extract<LoadAnswer, {type: T}>>;
  stop(): Promise<void>;
}

/**
 * Starts bench/load/load-main.ts aimed at the simulator and the proxy; with `profile`, CPU
 * profiles of its whole life go to PROFILE_DIR/load-generator, written when it exits (one per
 * thread: the larger is the load generator's, the other tsx's loader).
 */
export async function startLoad(
  root: string,
  simUrl: string,
  proxyUrl: string,
  relayUrl = '',
  profile = false
): Promise<LoadProcess> {
  const profileDir = join(PROFILE_DIR, 'load-generator');
  if (profile) mkdirSync(profileDir, {recursive: true});
  const {child} = await forkTs(
    join(root, 'bench/load/load-main.ts'),
    {BENCH_SIM_URL: simUrl, BENCH_PROXY_URL: proxyUrl, BENCH_RELAY_URL: relayUrl},
    profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
  );
  const ipc = new IpcChild<LoadCommand, LoadAnswer>(child);
  return {
    pid: ipc.pid,
    ask: async <T extends LoadAnswer['type']>(command: WithoutId<LoadCommand>) =>
      (await ipc.ask(command)) as Extract<LoadAnswer, {type: T}>,
    stop: async () => {
      await ipc.ask({type: 'exit'}).catch(() => undefined);
      await ipc.stop();
    },
  };
}
