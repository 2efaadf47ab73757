/** @module What every command shares: its options and `--help`, `.env`, listening and stopping. */
import {existsSync} from 'node:fs';
import type {ParseArgsConfig} from 'node:util';
import {parseArgs} from 'node:util';
import type {ServerType} from '@hono/node-server';
import {getRequestListener} from '@hono/node-server';
import type {Server} from 'node:http';
import {createServer} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import type {NodeFastPath} from '../proxy/webhook-fast-path.js';
import type {Shapes} from '../simulator/deps.js';
import {SHAPES} from '../simulator/deps.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type WithHelp<O extends Options> = O & {help: {type: 'boolean'; short: 'h'; default: false}};
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{args: string[]; strict: true; options: WithHelp<O>}>
>['values'];

/** A command's parsed options, or the exit status when it has already answered. */
export type Parsed<O extends Options> = {values: Values<O>} | {exit: 0 | 2};

/**
 * Parses a command's options, adding `-h`/`--help`. Prints the help (exit 0) or the problem and
 * the help (exit 2) itself, and then returns `{exit}` for the command to return.
 */
export function parseCommand<const O extends Options>(
  command: string,
  help: string,
  args: string[],
  options: O
): Parsed<O> {
  try {
    const withHelp = {
      ...options,
      help: {type: 'boolean', short: 'h', default: false},
    } as WithHelp<O>;
    const {values} = parseArgs<{args: string[]; strict: true; options: WithHelp<O>}>({
      args,
      strict: true,
      options: withHelp,
    });
    // TypeScript cannot resolve parseArgs' result type for a generic `O`; `help` is ours.
    if ((values as {help?: boolean}).help) {
      console.log(help);
      return {exit: 0};
    }
    return {values};
  } catch (error) {
    console.error(`glia-handoff ${command}: ${(error as Error).message}\n\n${help}`);
    return {exit: 2};
  }
}

/**
 * Loads `.env` when present, or the file `--env-file` names (then it must exist). Variables
 * already set win, as with Node's own loader. Returns false when a named file is missing.
 */
export function loadEnvFile(command: string, named: string | undefined): boolean {
  const path = named ?? '.env';
  if (existsSync(path)) process.loadEnvFile(path);
  else if (named) {
    console.error(`glia-handoff ${command}: no such file ${path}`);
    return false;
  }
  return true;
}

/** A server that listens, with the URL it can be reached at. */
export interface Listening {
  server: ServerType;
  url: string;
  close(): Promise<void>;
}

/**
 * How long a client may take to send a request: its headers, and the whole of it with its body.
 * Node's own limit is 300 s, which lets a few slow clients hold many sockets. Only receiving the
 * request counts, so an event stream (a GET whose answer goes on for hours) is not cut.
 */
export interface ServerTimeouts {
  headersMs: number;
  requestMs: number;
}

export const SERVER_TIMEOUTS: ServerTimeouts = {headersMs: 15_000, requestMs: 30_000};

/**
 * Listens on `host:port` (0 = any free port); rejects with a readable error when it cannot.
 * `timeouts` (default `SERVER_TIMEOUTS`) are small in tests. A `fastPath` (the proxy's webhook
 * deliveries) sees each request first and takes the ones it handles past Hono.
 */
export function listen(
  fetch: Parameters<typeof getRequestListener>[0],
  port: number,
  host: string,
  timeouts: ServerTimeouts = SERVER_TIMEOUTS,
  fastPath?: NodeFastPath
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const serverOptions = {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // Node looks for overdue requests this often (30 s by default, which would double the limit).
      connectionsCheckingInterval: Math.max(10, Math.min(1000, timeouts.headersMs / 4)),
    };
    const viaHono = getRequestListener(fetch, {hostname: host});
    const server = createServer(
      serverOptions,
      fastPath
        ? (request, response) => fastPath(request, response) || void viaHono(request, response)
        : viaHono
    );
    trackSockets(server);
    server.listen(port, host, () => {
      const name = host.includes(':') ? `[${host}]` : host;
      resolve({
        server,
        url: `http://${name}:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise((done) => {
            // Open event streams would hold close() forever: end them.
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
    server.once('error', (error) =>
      reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`))
    );
  });
}

/**
 * Makes `server.closeAllConnections()` close every connection, the event streams' too. An event
 * stream lets go of its connection's HTTP parser (`src/proxy/sse.ts`), and with it Node's list of
 * the server's connections; the sockets are kept here instead (a Set entry each).
 */
function trackSockets(server: Server): void {
  const sockets = new Set<Socket>();
  function forget(this: Socket) {
    sockets.delete(this);
  }
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', forget);
  });
  // Every connection is in the set, Node's own list's among them.
  server.closeAllConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** A port from a flag or a variable, or the reason it is not one. */
export function parsePort(text: string, from: string): number | Error {
  const port = Number(text);
  return Number.isInteger(port) && port >= 0 && port <= 65535
    ? port
    : new Error(`invalid port "${text}" (from ${from})`);
}

/** The simulator's answer shapes from `--shapes`, or the reason it is not one. */
export function parseShapes(text: string | undefined): Shapes | Error {
  const value = text ?? 'recorded';
  return (SHAPES as readonly string[]).includes(value)
    ? (value as Shapes)
    : new Error(`invalid --shapes "${value}" (use ${SHAPES.join(' or ')})`);
}
