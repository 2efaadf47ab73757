/**
 * `glia-handoff doctor [--ticket] [--json] [--env-file <path>] [--timeout <seconds>] [--record <file>]`: checks the
 * proxy's configuration against Glia step by step and prints the checklist. Reads the same
 * environment and optional `.env` as `glia-handoff proxy`. Exit 0 when every check passed, 1 when
 * one failed, 2 for a usage error.
 */
import {lookup} from 'node:dns/promises';
import {writeFile} from 'node:fs/promises';
import type {RecordedAnswer} from './doctor/record.js';
import {renderJson, renderText} from './doctor/render-report.js';
import {runDoctor} from './doctor/run-doctor.js';
import {loadEnvFile, parseCommand} from './command.js';

const HELP = `Usage: glia-handoff doctor [options]

Checks the proxy's Glia configuration step by step: the settings, the token exchange for the kind
of key, creating and updating a visitor, the queue, the webhook URL and (with --ticket) a queue
ticket that is cancelled at once. Each failure names the step, Glia's answer, the likely cause and
the fix. Nothing printed contains the key's secret or a token.

  --ticket             also file a test ticket in the queue and cancel it at once
  --json               print one JSON document {ok, steps} instead of the checklist
  --env-file <path>    read variables from this file too (default: .env if present;
                       values already in the environment win)
  --timeout <seconds>  how long to wait for each answer from Glia (default 10)
  --record <file>      write every answer Glia gave, redacted (ids, names, e-mails, tokens and
                       secrets replaced; field names and types kept), to attach to a bug report
                       or turn into a test fixture (docs/glia.md)
  -h, --help           this text

Reads the variables of glia-handoff proxy: GLIA_API_BASE, GLIA_SITE_ID, GLIA_QUEUE_ID,
GLIA_API_KEY_ID, GLIA_API_KEY_SECRET, GLIA_CREDENTIAL_TYPE, PUBLIC_URL, ALLOWED_ORIGINS, ...
Exit status: 0 all checks passed, 1 a check failed, 2 usage error.`;

/** Runs the checks once and prints them. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('doctor', HELP, args, {
    ticket: {type: 'boolean', default: false},
    json: {type: 'boolean', default: false},
    'env-file': {type: 'string'},
    timeout: {type: 'string'},
    record: {type: 'string'},
  });
  if ('exit' in parsed) return parsed.exit;
  const {values} = parsed;
  const timeoutSeconds = values.timeout === undefined ? 10 : Number(values.timeout);
  if (!(timeoutSeconds > 0 && timeoutSeconds <= 120)) {
    console.error(
      `glia-handoff doctor: --timeout must be a number of seconds between 0 and 120 (got "${values.timeout}")`
    );
    return 2;
  }
  if (!loadEnvFile('doctor', values['env-file'])) return 2;

  let recorded: RecordedAnswer[] | undefined;
  const report = await runDoctor({
    env: process.env,
    fetch: (url, init) => fetch(url, init),
    ticket: values.ticket,
    timeoutMs: Math.round(timeoutSeconds * 1000),
    lookup: async (hostname) => (await lookup(hostname, {all: true})).map((a) => a.address),
    record: values.record === undefined ? undefined : (answers) => (recorded = answers),
  });
  if (values.record !== undefined && recorded) {
    try {
      await writeFile(values.record, `${JSON.stringify(recorded, null, 2)}\n`);
      console.error(`Recorded ${recorded.length} answers from Glia, redacted, in ${values.record}`);
    } catch (error) {
      console.error(
        `glia-handoff doctor: cannot write ${values.record}: ${(error as Error).message}`
      );
      return 2;
    }
  }
  if (values.json) process.stdout.write(renderJson(report));
  else {
    const noColor = (process.env.NO_COLOR ?? '') !== '';
    process.stdout.write(
      renderText(report, {
        color: process.stdout.isTTY === true && !noColor,
        width: Math.min(process.stdout.columns || 100, 100),
      })
    );
  }
  return report.ok ? 0 : 1;
}
