/**
 * `glia-handoff sim [--port N] [--host H] [--auto-operator]`: the local Glia simulator alone, with
 * its operator console. Port from `--port`, else `SIM_PORT`, else 8081; host 127.0.0.1 unless
 * `--host` says otherwise. Prints the URLs and the seeded credentials (local fakes that open
 * nothing but this simulator).
 */
import {createSimulator} from '../simulator/app.js';
import {SEED} from '../simulator/seed.js';
import {listen, parseCommand, parsePort, parseShapes, untilSignal} from './command.js';

const HELP = `Usage: glia-handoff sim [options]

  --port <n>         port to listen on (default: SIM_PORT or 8081)
  --host <host>      interface to listen on (default: 127.0.0.1)
  --auto-operator    accept every ticket after 1.5 s and answer every message
  --shapes <mode>    recorded: answer as Glia's recorded and documented answers (default);
                     sparse: send only the fields integrators confirm
  -h, --help         this text`;

/** Starts the simulator and runs until SIGINT/SIGTERM. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('sim', HELP, args, {
    port: {type: 'string'},
    host: {type: 'string', default: '127.0.0.1'},
    'auto-operator': {type: 'boolean', default: false},
    shapes: {type: 'string', default: 'recorded'},
  });
  if ('exit' in parsed) return parsed.exit;
  const {values} = parsed;
  const port = parsePort(
    values.port ?? process.env.SIM_PORT ?? '8081',
    values.port ? '--port' : 'SIM_PORT'
  );
  if (port instanceof Error) {
    console.error(`glia-handoff sim: ${port.message}`);
    return 2;
  }
  const shapes = parseShapes(values.shapes);
  if (shapes instanceof Error) {
    console.error(`glia-handoff sim: ${shapes.message}`);
    return 2;
  }
  const simulator = createSimulator({
    autoOperator: values['auto-operator'] ? {acceptAfterMs: 1500, replyAfterMs: 1200} : false,
    shapes,
  });
  let server;
  try {
    server = await listen(simulator.app.fetch, port, values.host);
  } catch (error) {
    console.error(`glia-handoff sim: ${(error as Error).message}`);
    simulator.close();
    return 1;
  }
  const base = server.url;
  console.log(`Glia simulator      ${base}
Operator console    ${base}/operator
Control API         ${base}/__sim/state
Auto-operator       ${values['auto-operator'] ? 'on' : 'off'}
Answer shapes       ${shapes}

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
  await untilSignal();
  simulator.close();
  await server.close();
  return 0;
}
