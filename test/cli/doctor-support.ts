/**
 * Helpers for the doctor suites: a simulator reached in-process, doctor run against it, and a
 * check, on every run, that neither the checklist nor the JSON holds a secret or a token the
 * simulator handed out.
 */
import assert from 'node:assert/strict';
import {renderJson, renderText} from '../../src/cli/doctor/render-report.js';
import {runDoctor} from '../../src/cli/doctor/run-doctor.js';
import type {DoctorOptions} from '../../src/cli/doctor/run-doctor.js';
import type {DoctorReport, DoctorStep, DoctorStepId} from '../../src/cli/doctor/doctor-report.js';
import type {GliaFetch} from '../../src/proxy/glia/glia-client.js';
import {createSimulator} from '../../src/simulator/app.js';
import {SEED} from '../../src/simulator/seed.js';

export {SEED};

/** A Glia that is "remote" as far as doctor can tell, answered in-process by the simulator. */
export const GLIA_BASE = 'https://api.glia.test';

/** The environment of a proxy set up for the simulator's seeded Service Credential. */
export function goodEnv(overrides: Record<string, string | undefined> = {}) {
  return {
    GLIA_API_BASE: GLIA_BASE,
    GLIA_SITE_ID: SEED.siteId,
    GLIA_QUEUE_ID: SEED.openQueue.id,
    GLIA_API_KEY_ID: SEED.serviceCredential.apiKeyId,
    GLIA_API_KEY_SECRET: SEED.serviceCredential.apiKeySecret,
    PUBLIC_URL: 'https://handoff.example.com',
    ...overrides,
  };
}

/** The seeded legacy Site API key. */
export const SITE_KEY = {
  GLIA_API_KEY_ID: SEED.siteApiKey.apiKeyId,
  GLIA_API_KEY_SECRET: SEED.siteApiKey.apiKeySecret,
};

/** What one doctor run produced, as the administrator and a script would see it. */
export interface DoctorRun {
  report: DoctorReport;
  text: string;
  json: string;
  /** The step, asserted present. */
  step(id: DoctorStepId): DoctorStep;
}

export function setup() {
  // Webhooks go nowhere: doctor's ticket names a public URL that must not be called from a test.
  const sim = createSimulator({fetch: async () => new Response(null, {status: 204})});
  const secrets = new Set<string>([
    SEED.serviceCredential.apiKeySecret,
    SEED.siteApiKey.apiKeySecret,
  ]);
  /** Every token the simulator handed out. */
  const minted = new Set<string>();

  const fetch: GliaFetch = async (url, init) => {
    const response = await sim.app.request(url, init);
    try {
      const body = (await response.clone().json()) as Record<string, unknown>;
      for (const key of ['token', 'access_token'])
        if (typeof body[key] === 'string') minted.add(body[key]);
    } catch {
      // Not JSON.
    }
    return response;
  };

  async function doctor(
    env: Record<string, string | undefined>,
    options: Partial<Omit<DoctorOptions, 'env'>> = {}
  ): Promise<DoctorRun> {
    for (const value of [env.GLIA_API_KEY_SECRET]) if (value) secrets.add(value);
    const report = await runDoctor({env, fetch, ticket: false, timeoutMs: 2000, ...options});
    const text = renderText(report, {color: false});
    const json = renderJson(report);
    assertNoSecret(text, json);
    return {
      report,
      text,
      json,
      step(id) {
        const step = report.steps.find((s) => s.step === id);
        assert.ok(step, `no step ${id} in:\n${text}`);
        return step;
      },
    };
  }

  /** Fails if any secret or minted token appears in what doctor printed. */
  function assertNoSecret(...outputs: string[]) {
    for (const output of outputs) {
      for (const secret of [...secrets, ...minted]) {
        assert.ok(!output.includes(secret), `doctor printed a secret or token:\n${output}`);
      }
    }
  }

  async function control(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await sim.app.request(`/__sim${path}`, {
      method,
      headers: {'content-type': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.status < 300, `${method} ${path} → ${response.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /** Registers a Service Credential (all policies unless given) and returns its env. */
  async function credential(policies?: readonly string[], type: 'service' | 'site' = 'service') {
    const id = crypto.randomUUID();
    const secret = `${type === 'site' ? 'gls_' : ''}test-secret-${crypto.randomUUID()}`;
    secrets.add(secret);
    await control('POST', '/credentials', {api_key_id: id, api_key_secret: secret, type, policies});
    return {GLIA_API_KEY_ID: id, GLIA_API_KEY_SECRET: secret};
  }

  async function state() {
    return (await control('GET', '/state')) as {
      visitors: Array<{id: string; name: string | null}>;
      tickets: Array<{id: string; visitor_id: string; state: string}>;
      engagements: Array<{id: string; state: string}>;
    };
  }

  async function glialog() {
    return ((await control('GET', '/log')) as {requests: Array<{method: string; path: string}>})
      .requests;
  }

  return {
    sim,
    fetch,
    doctor,
    control,
    credential,
    state,
    glialog,
    minted,
    close: () => sim.close(),
  };
}

/** Narrowing asserts, with the checklist in the message when they fail. */
export function assertFailed(run: DoctorRun, id: DoctorStepId) {
  const step = run.step(id);
  assert.ok('ok' in step && !step.ok, `expected ${id} to fail:\n${run.text}`);
  return step;
}

export function assertPassed(run: DoctorRun, id: DoctorStepId) {
  const step = run.step(id);
  assert.ok('ok' in step && step.ok, `expected ${id} to pass:\n${run.text}`);
  return step;
}

export function assertSkipped(run: DoctorRun, id: DoctorStepId) {
  const step = run.step(id);
  assert.ok('skipped' in step, `expected ${id} to be skipped:\n${run.text}`);
  return step;
}
