/**
 * A real `redis-server` for the tests (Debian's, at /usr/bin/redis-server or REDIS_SERVER), on a
 * free loopback port with a temporary directory, no snapshots. Without the binary the suites that
 * need it fail with a clear message under CI (`.ci/run` installs it) and are skipped elsewhere
 * (`redisSkip`); `startRedis` itself always fails with that message.
 */
import type {ChildProcess} from 'node:child_process';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

const BINARY = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/**
 * For `describe(name, {skip: redisSkip()}, …)`: why a suite needing redis-server is skipped, or
 * false when it can run. Throws under CI, where a missing server is a broken machine.
 */
export function redisSkip(): string | false {
  if (existsSync(BINARY)) return false;
  const problem = `${BINARY} is missing: install Debian's redis-server (apt-get install redis-server) or set REDIS_SERVER`;
  if (process.env.CI) throw new Error(problem);
  return problem;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Stops it (SIGTERM, or SIGKILL with `kill: true`) and waits for the exit. */
  stop(options?: {kill?: boolean; keepData?: boolean}): Promise<void>;
  /** Starts it again on the same port and directory (with AOF on, the data comes back). */
  restart(): Promise<void>;
  /** Freezes it (SIGSTOP): connected, and answering nothing, until `resume` (SIGCONT). */
  pause(): void;
  resume(): void;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as {port: number};
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a server; `appendonly: true` keeps the data across a restart (fsync every write). */
export async function startRedis(options: {appendonly?: boolean} = {}): Promise<RedisServer> {
  if (!existsSync(BINARY)) {
    throw new Error(
      `${BINARY} is missing: install Debian's redis-server (apt-get install redis-server) or set REDIS_SERVER`
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'glia-handoff-redis-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
    args.push('--appendonly', options.appendonly ? 'yes' : 'no');
    if (options.appendonly) args.push('--appendfsync', 'always');
    const started = spawn(BINARY, args, {stdio: ['ignore', 'pipe', 'pipe']});
    child = started;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          started.stdout?.off('data', onData);
          started.stdout?.resume();
          resolve();
        }
      };
      started.stdout?.on('data', onData);
      started.stderr?.resume();
      started.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    });
  };
  const stop = async ({kill = false, keepData = false} = {}) => {
    const running = child;
    child = undefined;
    if (running && running.exitCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill(kill ? 'SIGKILL' : 'SIGTERM');
      await exited;
    }
    if (!keepData) rmSync(dir, {recursive: true, force: true});
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    restart: async () => {
      await stop({keepData: true});
      await launch();
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  };
}
