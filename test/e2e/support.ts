/**
 * @module Runs the demo the way the README tells a person to: `npm start`, with `PORT` and
 * `SIM_PORT` set to free ports, as a child process group; and a real Chromium through
 * playwright-core. Nothing is mocked.
 */
import {CHROMIUM_ARGS, CHROMIUM_PATH} from '../chromium.mjs';
import {spawn} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import {mkdir} from 'node:fs/promises';
import {createServer} from 'node:net';
import {setTimeout as delay} from 'node:timers/promises';
import type {Browser, Page} from 'playwright-core';
import {chromium} from 'playwright-core';

const root = new URL('../../', import.meta.url);
export const artifacts = new URL('test-results/e2e/', root);

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Demo {
  pageUrl: string;
  simUrl: string;
  output(): string;
  /** Ctrl+C: SIGINT to the whole group; then waits up to 20 s for every process in it to end. */
  stop(): Promise<Stopped>;
}

export interface Stopped {
  /** How npm ended: its exit code, or the signal (npm re-raises a SIGINT or SIGTERM it received). */
  npm: number | NodeJS.Signals | null;
  /** Processes of the group were still alive 20 s after the signal (they are then killed). */
  lingered: boolean;
}

/** A command run through npm (`npm start`, `npx …`) as a process group of its own. */
export interface NpmProcess {
  output(): string;
  /** Resolves once the output holds `text`; rejects if npm exits first or after 60 s. */
  until(text: string): Promise<void>;
  /** Signals the whole group, as Ctrl+C (SIGINT) in a terminal does; waits for every process. */
  stop(signal?: NodeJS.Signals): Promise<Stopped>;
}

/**
 * Spawns `npm`/`npx` with `args`. npm runs a script or a bin through a shell, so the program is a
 * grandchild: it gets a process group of its own, and stopping signals the whole group.
 */
export function spawnNpm(
  command: 'npm' | 'npx',
  args: string[],
  options: {cwd: string | URL; env?: NodeJS.ProcessEnv}
): NpmProcess {
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {...process.env, ...options.env, NO_COLOR: '1'},
  });
  const group = child.pid!;
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal))
  );
  let ended = false;
  void exited.then(() => (ended = true));
  /** Signals every process of the group (0: only asks whether one is left); false once none is. */
  const signal = (name: NodeJS.Signals | 0) => {
    try {
      return process.kill(-group, name);
    } catch {
      return false;
    }
  };
  const what = `${command} ${args.join(' ')}`;
  return {
    output: () => output,
    until: async (text) => {
      const deadline = Date.now() + 60_000;
      while (!output.includes(text)) {
        if (ended) {
          signal('SIGKILL');
          throw new Error(`${what} exited:\n${output}`);
        }
        if (Date.now() > deadline) {
          signal('SIGKILL');
          throw new Error(`${what} did not say "${text}" within 60 s:\n${output}`);
        }
        await delay(100);
      }
    },
    stop: async (name = 'SIGINT') => {
      signal(name);
      const npm = await exited;
      // npm may end before its grandchild has: wait for the group to empty.
      const deadline = Date.now() + 20_000;
      while (signal(0) && Date.now() < deadline) await delay(100);
      // Whatever outlived the wait must not hold the ports for the next test.
      const lingered = signal('SIGKILL');
      return {npm, lingered};
    },
  };
}

/**
 * Starts the demo with `npm start` (extra `args` go after `--`) and `PORT`/`SIM_PORT` set to 0,
 * so each server takes a free port, and resolves once it says it is running, with the URLs it
 * printed.
 */
export async function startDemo(args: string[] = []): Promise<Demo> {
  const demo = spawnNpm('npm', ['start', ...(args.length ? ['--', ...args] : [])], {
    cwd: root,
    env: {PORT: '0', SIM_PORT: '0'},
  });
  await demo.until('is running');
  const printed = (label: string) => {
    const url = new RegExp(`${label} +(http://\\S+?)/?\\s`).exec(demo.output())?.[1];
    if (!url) throw new Error(`the demo printed no ${label}:\n${demo.output()}`);
    return url;
  };
  return {
    pageUrl: `${printed('Demo page')}/`,
    simUrl: printed('Glia simulator').replace('localhost', '127.0.0.1'),
    output: demo.output,
    stop: () => demo.stop('SIGINT'),
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
}

/** Keeps a screenshot of a step as a test artifact (test-results/e2e/NN-name.png). */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  await mkdir(artifacts, {recursive: true});
  await page.screenshot({path: new URL(`${name}.png`, artifacts).pathname});
}

/** The simulator's view of the world, through its control API. */
export async function simState(simUrl: string): Promise<{
  tickets: {id: string; state: string}[];
  engagements: {id: string; state: string; messages: {content: string; sender: string}[]}[];
}> {
  const response = await fetch(`${simUrl}/__sim/state`);
  return response.json() as never;
}
