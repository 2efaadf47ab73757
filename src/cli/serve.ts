/** @module Listening and stopping, shared by the commands that run servers. */
import type {ServerType} from '@hono/node-server';
import {serve} from '@hono/node-server';

/** A server that listens, with the URL it can be reached at. */
export interface Listening {
  server: ServerType;
  url: string;
  close(): Promise<void>;
}

/** Listens on `host:port` (0 = any free port); rejects with a readable error when it cannot. */
export function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  host: string
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({fetch, port, hostname: host}, (info) => {
      const name = host.includes(':') ? `[${host}]` : host;
      resolve({
        server,
        url: `http://${name}:${info.port}`,
        close: () =>
          new Promise((done) => {
            // Open event streams would hold close() forever: end them.
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
    server.once('error', (error) =>
      reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`))
    );
  });
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
