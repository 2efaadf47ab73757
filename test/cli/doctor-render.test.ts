import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {outcome} from '../../src/cli/doctor/doctor-report.js';
import type {DoctorReport} from '../../src/cli/doctor/doctor-report.js';
import {renderJson, renderText} from '../../src/cli/doctor/render-report.js';

const REPORT: DoctorReport = {
  ok: false,
  steps: [
    outcome.passed('config', 'Glia https://api.glia.com, site s, queue q.'),
    outcome.failed('token', {
      status: 422,
      gliaMessage: 'validation_error: api_key_id is not a site API key',
      cause:
        'This is a Service Credential: POST /sites/tokens, the endpoint for legacy Site API keys, refused it (422), and POST /operator_authentication/tokens took it.',
      fix: 'Set GLIA_CREDENTIAL_TYPE=service or auto.',
      detail: 'POST /sites/tokens answered 422.',
    }),
    outcome.skipped('create-visitor', 'Skipped: needs "Token exchange", which failed.', 'token'),
    outcome.skipped('queue-ticket', 'Not run: add --ticket to file a test ticket.'),
  ],
};

const ESC = '\u001b[';

describe('the doctor checklist in a terminal', () => {
  it("marks each step ✓, ✗ or – and starts every step's words in the same column", () => {
    const lines = renderText(REPORT, {color: false}).split('\n');
    const stepLines = lines.filter((line) => /^[✓✗–] /.test(line));
    assert.deepEqual(
      stepLines.map((line) => line[0]),
      ['✓', '✗', '–', '–']
    );
    const columns = stepLines.map((line) => line.search(/ {2}\S/) + 2);
    assert.equal(new Set(columns).size, 1, stepLines.join('\n'));
    assert.ok(stepLines[0]?.includes('Configuration'));
  });

  it('puts what Glia said, the cause and the fix, indented, under the failed step', () => {
    const text = renderText(REPORT, {color: false});
    const lines = text.split('\n');
    const at = lines.findIndex((line) => line.startsWith('✗ Token exchange'));
    assert.match(lines[at] ?? '', /POST \/sites\/tokens answered 422/);
    assert.match(lines[at + 1] ?? '', /^ {4}Glia said +validation_error/);
    assert.match(lines[at + 2] ?? '', /^ {4}Cause +This is a Service Credential/);
    // A long cause wraps under itself, not under the label.
    const causeColumn = (lines[at + 2] ?? '').indexOf('This');
    assert.equal((lines[at + 3] ?? '').search(/\S/), causeColumn);
    assert.ok(
      lines.some((line) => /^ {4}Fix +Set GLIA_CREDENTIAL_TYPE=service or auto\.$/.test(line))
    );
    assert.ok(lines[lines.findIndex((l) => l.includes('Fix')) + 1]?.startsWith('– '));
  });

  it('keeps every line within the width', () => {
    for (const width of [60, 80, 100]) {
      for (const line of renderText(REPORT, {color: false, width}).split('\n'))
        assert.ok([...line].length <= width, `${[...line].length} > ${width}: ${line}`);
    }
  });

  it('ends with how many checks failed and how many were skipped because of them', () => {
    assert.match(
      renderText(REPORT, {color: false}),
      /1 check failed, 1 skipped because of it\. Fix it and run glia-handoff doctor again\.\n$/
    );
  });

  it('uses color only when asked', () => {
    assert.ok(!renderText(REPORT, {color: false}).includes(ESC));
    const colored = renderText(REPORT, {color: true});
    assert.ok(colored.includes(`${ESC}32m✓`));
    assert.ok(colored.includes(`${ESC}31m✗`));
  });

  it('says all passed, and how to try a ticket, when nothing failed', () => {
    const report: DoctorReport = {
      ok: true,
      steps: [outcome.passed('config'), outcome.skipped('queue-ticket', 'Not run: add --ticket.')],
    };
    assert.match(
      renderText(report, {color: false}),
      /All checks passed\. Run glia-handoff doctor --ticket/
    );
  });
});

describe('the doctor report as JSON', () => {
  it("is one document {ok, steps} with each step's step, title, ok or skipped, and the failure's fields", () => {
    const parsed = JSON.parse(renderJson(REPORT)) as {
      ok: boolean;
      steps: Array<Record<string, unknown>>;
    };
    assert.deepEqual(Object.keys(parsed), ['ok', 'steps']);
    assert.equal(parsed.ok, false);
    assert.deepEqual(parsed.steps[0], {
      step: 'config',
      title: 'Configuration',
      ok: true,
      detail: 'Glia https://api.glia.com, site s, queue q.',
    });
    assert.deepEqual(Object.keys(parsed.steps[1] ?? {}), [
      'step',
      'title',
      'ok',
      'status',
      'gliaMessage',
      'cause',
      'fix',
      'detail',
    ]);
    assert.deepEqual(parsed.steps[2], {
      step: 'create-visitor',
      title: 'Create a visitor',
      skipped: true,
      blockedBy: 'token',
      detail: 'Skipped: needs "Token exchange", which failed.',
    });
  });
});
