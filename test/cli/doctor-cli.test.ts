/**
 * The real command: `node bin/glia-handoff.js doctor` as a child process, against the simulator
 * listening on 127.0.0.1, with nothing but the variables each test gives it.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer} from 'node:net';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {serve} from '@hono/node-server';
import {createSimulator} from '../../src/simulator/app.js';
import {SEED} from '../../src/simulator/seed.js';

const BIN = fileURLToPath(new URL('../../bin/glia-handoff.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in `cwd` with exactly `env` (plus PATH); never throws on a non-zero exit. */
function cli(args: string[], env: Record<string, string>, cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {cwd, env: {PATH: process.env.PATH ?? '', ...env}, timeout: 60_000},
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({code, stdout, stderr});
      }
    );
  });
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const {port} = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe('glia-handoff doctor, the command', () => {
  const sim = createSimulator({fetch: async () => new Response(null, {status: 204})});
  let server: ReturnType<typeof serve>;
  let base = '';
  let cwd = '';

  before(async () => {
    await new Promise<void>((resolve) => {
      server = serve({fetch: sim.app.fetch, port: 0, hostname: '127.0.0.1'}, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
    // An empty folder: no stray .env is read.
    cwd = await mkdtemp(join(tmpdir(), 'doctor-cli-'));
  });
  after(async () => {
    sim.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(cwd, {recursive: true, force: true});
  });

  const env = (overrides: Record<string, string> = {}) => ({
    GLIA_API_BASE: base,
    GLIA_SITE_ID: SEED.siteId,
    GLIA_QUEUE_ID: SEED.openQueue.id,
    GLIA_API_KEY_ID: SEED.serviceCredential.apiKeyId,
    GLIA_API_KEY_SECRET: SEED.serviceCredential.apiKeySecret,
    PUBLIC_URL: 'http://127.0.0.1:8080',
    ...overrides,
  });

  it('exits 0 and prints one JSON document when every check passes', async () => {
    const r = await cli(['doctor', '--json', '--ticket'], env(), cwd);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      steps: Array<{step: string; ok?: boolean}>;
    };
    assert.equal(report.ok, true);
    assert.equal(report.steps.find((s) => s.step === 'cancel-ticket')?.ok, true);
  });

  it('writes the answers it received, redacted, with --record', async () => {
    const file = join(cwd, 'answers.json');
    const r = await cli(['doctor', '--ticket', '--record', file], env(), cwd);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /Recorded \d+ answers from Glia, redacted, in .*answers\.json/);
    const text = await readFile(file, 'utf8');
    const recorded = JSON.parse(text) as Array<{_source: {request: string}; body: unknown}>;
    assert.ok(recorded.some((a) => a._source.request === 'GET /queues/{queue_id}'));
    for (const value of [SEED.serviceCredential.apiKeySecret, SEED.siteId, SEED.openQueue.id])
      assert.ok(!text.includes(value), `the recording holds ${value}`);
  });

  it('exits 1 with a bad key, and names the token step without printing the secret', async () => {
    const secret = 'definitely-not-the-right-secret-123';
    const r = await cli(['doctor', '--json'], env({GLIA_API_KEY_SECRET: secret}), cwd);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      steps: Array<{step: string; ok?: boolean; status?: number}>;
    };
    assert.equal(report.ok, false);
    const token = report.steps.find((s) => s.step === 'token');
    assert.equal(token?.ok, false);
    assert.equal(token?.status, 401);
    assert.ok(!(r.stdout + r.stderr).includes(secret));
  });

  it('exits 1 when nothing listens at GLIA_API_BASE', async () => {
    const port = await closedPort();
    const r = await cli(['doctor'], env({GLIA_API_BASE: `http://127.0.0.1:${port}`}), cwd);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✗ Token exchange/);
    assert.match(
      r.stdout,
      new RegExp(`Nothing answered at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED`)
    );
    assert.ok(!r.stdout.includes('\u001b['), 'colors in a pipe');
  });

  it('reads the settings from .env in the working folder', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'doctor-env-'));
    try {
      const lines = Object.entries(env()).map(([k, v]) => `${k}=${v}`);
      await writeFile(join(folder, '.env'), `${lines.join('\n')}\n`);
      const r = await cli(['doctor'], {}, folder);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /All checks passed/);
    } finally {
      await rm(folder, {recursive: true, force: true});
    }
  });

  it('exits 2 on an unknown option or a missing --env-file, and 0 for --help', async () => {
    const unknown = await cli(['doctor', '--tickets'], env(), cwd);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Usage: glia-handoff doctor/);
    // Node 20 itself reads --env-file wherever it stands, and exits 9 before doctor runs; either
    // way the run stops and names the file.
    const missing = await cli(['doctor', '--env-file', 'nope.env'], env(), cwd);
    assert.ok(missing.code === 2 || missing.code === 9, String(missing.code));
    assert.match(missing.stderr, /nope\.env/);
    const help = await cli(['doctor', '--help'], {}, cwd);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--ticket/);
  });
});
