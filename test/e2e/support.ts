/**
 * @module Runs the real `glia-handoff demo` (what `npm start` runs) as a child process on free
 * ports, and a real Chromium through playwright-core. Nothing is mocked.
 */
import {spawn} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import {mkdir} from 'node:fs/promises';
import {createServer} from 'node:net';
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
  stop(): Promise<number | null>;
}

/** Starts `glia-handoff demo` and resolves once it says it is running. */
export async function startDemo(args: string[] = []): Promise<Demo> {
  const [port, simPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/glia-handoff.js', 'demo', '--port', String(port), '--sim-port', String(simPort), ...args],
    {cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}}
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code))
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('is running')) done(resolve);
    }, 100);
    const done = (then: () => void) => {
      clearInterval(timer);
      then();
    };
    void exited.then(() => done(() => reject(new Error(`the demo exited:\n${output}`))));
    setTimeout(() => done(() => reject(new Error(`the demo did not start:\n${output}`))), 60_000);
  });
  return {
    pageUrl: `http://localhost:${port}/`,
    simUrl: `http://127.0.0.1:${simPort}`,
    output: () => output,
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
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
