/**
 * `glia-handoff proxy [--env-file <path>]`: the token proxy alone, configured from the environment
 * and an optional `.env` file (values already in the environment win). Fails at start with a
 * message that names each bad variable; prints its URL; stops cleanly on SIGINT/SIGTERM, ending
 * the conversations it holds in Glia.
 */
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {createProxyApp} from '../proxy/app.js';
import {ConfigError, loadConfig} from '../proxy/config.js';
import {GliaError} from '../proxy/glia/glia-error.js';
import {listen, loadEnvFile, parseCommand, untilSignal} from './command.js';

const HELP = `Usage: glia-handoff proxy [options]

  --env-file <path>  read variables from this file too (default: .env if present)
  -h, --help         this text

Environment (docs/operations.md, "Configuration"):
  GLIA_API_BASE         Glia's API (default https://api.glia.com; https://api.glia.eu in the EU)
  GLIA_SITE_ID          your site's id (UUID)
  GLIA_QUEUE_ID         the queue to hand off to (UUID)
  GLIA_API_KEY_ID       the key id of a Service Credential or legacy Site API key
  GLIA_API_KEY_SECRET   its secret (a Site API key's starts with gls_)
  GLIA_CREDENTIAL_TYPE  auto (default: by the secret's prefix), service or site
  PUBLIC_URL            where Glia reaches this proxy's webhooks, e.g. https://handoff.example.com
  ALLOWED_ORIGINS       comma-separated origins of the pages that embed the widget
  PORT, HOST            where to listen (default 8080 on 0.0.0.0)
  SESSION_IDLE_SECONDS  forget a conversation idle this long (default 1800)
  TRUST_PROXY           true (or the number of hops) behind your own reverse proxies: the
                        client address is the X-Forwarded-For entry they appended (docs/operations.md)
  MAX_EVENT_STREAMS     open event streams the process serves at most (default 10000)
  MAX_QUEUED_SESSIONS   conversations waiting for an agent at once (default 500)
  MAX_QUEUED_PER_ADDRESS  of them, from one client address (default 5)
  GLIA_OPERATOR_TYPING_EVENT  true to subscribe to the simulator's operator-typing webhook
  REDIS_URL             not supported yet: leave it unset`;

/** The widget build of this package, if built. */
const WIDGET_DIR = fileURLToPath(new URL('../../dist/widget', import.meta.url));

/** Starts the proxy and runs until SIGINT/SIGTERM. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('proxy', HELP, args, {'env-file': {type: 'string'}});
  if ('exit' in parsed) return parsed.exit;
  if (!loadEnvFile('proxy', parsed.values['env-file'])) return 2;

  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`glia-handoff proxy: ${error.message}`);
    return 1;
  }

  const app = createProxyApp({
    config,
    fetch: (url, init) => fetch(url, init),
    widgetDir: existsSync(WIDGET_DIR) ? WIDGET_DIR : undefined,
  });
  let server;
  try {
    server = await listen(app.fetch, config.port, config.host);
  } catch (error) {
    console.error(`glia-handoff proxy: ${(error as Error).message}`);
    await app.close();
    return 1;
  }
  console.error(
    `glia-handoff proxy listening on ${server.url.replace('//0.0.0.0:', '//127.0.0.1:')}\n` +
      `  public URL ${config.publicUrl}, Glia ${config.glia.apiBase} (${app.glia.credentialType} credential)`
  );
  // Say at once whether the credential works, rather than at the first visitor.
  app.glia.ensureToken().then(
    () => console.error('  token exchange: ok'),
    (error: unknown) => {
      const detail =
        error instanceof GliaError ? `${error.message}\n  fix: ${error.hint}` : String(error);
      console.error(`  token exchange FAILED: ${detail}`);
    }
  );

  await untilSignal();
  console.error('glia-handoff proxy: stopping');
  // Sessions first (their Glia engagements end and their streams close), then the sockets.
  await app.close();
  await server.close();
  return 0;
}
