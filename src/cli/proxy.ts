/**
 * `glia-handoff proxy [--env-file <path>]`: the token proxy alone, configured from the environment
 * and an optional `.env` file (values already in the environment win). Fails at start with a
 * message that names each bad variable; prints its URL; stops cleanly on SIGINT/SIGTERM. With
 * sessions in memory a stop ends the conversations in Glia (as ended by the system) and tells the
 * visitors; with Redis it ends none: its streams close and the browsers reconnect to another
 * instance, while requests in flight finish.
 */
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {createConfiguredStore, createProxyApp} from '../proxy/app.js';
import {ConfigError, loadConfig} from '../proxy/config.js';
import {GliaError} from '../proxy/glia/glia-error.js';
import {listen, loadEnvFile, parseCommand, untilSignal} from './command.js';
import {nodeGliaFetch} from '../proxy/glia/node-fetch.js';

const HELP = `Usage: glia-handoff proxy [options]

  --env-file <path>  read variables from this file too (default: .env if present)
  -h, --help         this text

Environment (docs/operations.md, "Configuration"):
  GLIA_API_BASE         Glia's API (default https://api.glia.com; https://api.glia.eu in the EU)
  GLIA_SITE_ID          your site's id (UUID)
  GLIA_QUEUE_ID         the queue to hand off to (UUID)
  ALLOWED_QUEUES        comma-separated other queue ids a page may name (default: none)
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
  REDIS_URL             redis://host:6379 to share sessions between instances (default: in memory)
  SESSION_ENCRYPTION_KEY  seals visitors' Glia tokens at rest; required with REDIS_URL (32+ chars)`;

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

  let store;
  try {
    store = await createConfiguredStore(config);
  } catch (error) {
    console.error(
      `glia-handoff proxy: cannot reach Redis at REDIS_URL: ${(error as Error).message}\n  fix: start Redis, or check the host and port in REDIS_URL`
    );
    return 1;
  }
  const app = createProxyApp({
    config,
    store,
    fetch: nodeGliaFetch,
    widgetDir: existsSync(WIDGET_DIR) ? WIDGET_DIR : undefined,
  });
  let server;
  try {
    server = await listen(app.fetch, config.port, config.host, undefined, app.fastPath);
  } catch (error) {
    console.error(`glia-handoff proxy: ${(error as Error).message}`);
    await app.close();
    await store.close();
    return 1;
  }
  console.error(
    `glia-handoff proxy listening on ${server.url.replace('//0.0.0.0:', '//127.0.0.1:')}\n` +
      `  public URL ${config.publicUrl}, Glia ${config.glia.apiBase} (${app.glia.credentialType} credential)\n` +
      `  sessions ${store.durable ? 'in Redis (shared by every instance)' : 'in memory (they end when this process stops)'}`
  );
  // Webhooks may have been lost while no instance was up: catch up from Glia's transcripts.
  void app.catchUp();
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
  console.error(
    store.durable
      ? 'glia-handoff proxy: stopping (conversations go on in Redis; streams reconnect elsewhere)'
      : 'glia-handoff proxy: stopping, ending open chats'
  );
  // Sessions first (with memory their Glia engagements end; the streams close), then the sockets
  // (requests in flight finish), then the store.
  await app.close();
  await server.close();
  await store.close();
  return 0;
}
