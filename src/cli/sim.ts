/**
 * `glia-handoff sim [--port N] [--host H] [--auto-operator]`: the local Glia simulator alone, with
 * its operator console. Port from `--port`, else `SIM_PORT`, else 8081; host 127.0.0.1 unless
 * `--host` says otherwise. Prints the URLs and the seeded credentials (local fakes that open
 * nothing but this simulator).
 */
import {parseArgs} from 'node:util';
import {serve} from '@hono/node-server';
import {createSimulator} from '../simulator/app.js';
import {SEED} from '../simulator/seed.js';

const HELP = `Usage: glia-handoff sim [options]

  --port <n>         port to listen on (default: SIM_PORT or 8081)
  --host <host>      interface to listen on (default: 127.0.0.1)
  --auto-operator    accept every ticket after 1.5 s and answer every message
  -h, --help         this text`;

/** Starts the simulator and runs until SIGINT/SIGTERM. */
export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({values} = parseArgs({
      args,
      options: {
        port: {type: 'string'},
        host: {type: 'string', default: '127.0.0.1'},
        'auto-operator': {type: 'boolean', default: false},
        help: {type: 'boolean', short: 'h', default: false},
      },
    }));
  } catch (error) {
    console.error(`glia-handoff sim: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const portText = values.port ?? process.env.SIM_PORT ?? '8081';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(
      `glia-handoff sim: invalid port "${portText}" (from ${values.port ? '--port' : 'SIM_PORT'})`
    );
    return 2;
  }
  const host = values.host;
  const simulator = createSimulator({
    autoOperator: values['auto-operator'] ? {acceptAfterMs: 1500, replyAfterMs: 1200} : false,
  });
  const server = await new Promise<ReturnType<typeof serve> | Error>((resolve) => {
    const s = serve({fetch: simulator.app.fetch, port, hostname: host}, () => resolve(s));
    s.once('error', (error) => resolve(error));
  });
  if (server instanceof Error) {
    console.error(`glia-handoff sim: cannot listen on ${host}:${port}: ${server.message}`);
    simulator.close();
    return 1;
  }
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  console.log(`Glia simulator      ${base}
Operator console    ${base}/operator
Control API         ${base}/__sim/state
Auto-operator       ${values['auto-operator'] ? 'on' : 'off'}

Seeded data (local fakes; they open nothing but this simulator):
  GLIA_API_BASE=${base}
  GLIA_SITE_ID=${SEED.siteId}
  GLIA_QUEUE_ID=${SEED.openQueue.id}          (${SEED.openQueue.name}, open)
  closed queue id  ${SEED.closedQueue.id}     (${SEED.closedQueue.name})
  Service Credential  api_key_id=${SEED.serviceCredential.apiKeyId}
                      api_key_secret=${SEED.serviceCredential.apiKeySecret}
  Site API key        api_key_id=${SEED.siteApiKey.apiKeyId}
                      api_key_secret=${SEED.siteApiKey.apiKeySecret}

Press Ctrl+C to stop.`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  simulator.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}
