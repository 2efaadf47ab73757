/**
 * The proxy's connections to Glia (src/proxy/glia/node-fetch.ts) when Glia closes a kept-alive
 * connection just as it is reused: the call still goes through, and nothing is ever sent twice
 * when Glia may have read it.
 */
import assert from 'node:assert/strict';
import type {Socket} from 'node:net';
import {createServer} from 'node:net';
import {after, describe, it} from 'node:test';
import {nodeGliaFetch} from '../../src/proxy/glia/node-fetch.js';

/**
 * A Glia on a raw socket: `answer` decides, for the n-th request on a connection (0 first), what
 * to do with it. Counts every request that arrived, and every connection.
 */
function fakeGlia(answer: (nth: number, socket: Socket) => void) {
  const seen: string[] = [];
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    let nth = 0;
    socket.on('data', (chunk) => {
      seen.push(chunk.toString('latin1').split('\r\n')[0] ?? '');
      answer(nth++, socket);
    });
  });
  const ready = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    })
  );
  return {
    ready,
    seen,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const OK =
  'HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"id":"v1"}';

const startVisitor = async (base: string) =>
  nodeGliaFetch(`${base}/visitors`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: '{}',
  });

/** Lets the client put the first connection back in its pool. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('calls to Glia when it closes a kept-alive connection', () => {
  const servers: {close(): Promise<void>}[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  it('a session start on a connection Glia closed unread goes through, on a new connection', async () => {
    // The second request on a connection meets a socket Glia closes without reading it.
    const glia = fakeGlia((nth, socket) => (nth === 0 ? socket.write(OK) : socket.end()));
    servers.push(glia);
    const base = await glia.ready;
    assert.equal((await startVisitor(base)).status, 201);
    await settle();
    const again = await startVisitor(base);
    assert.equal(again.status, 201);
    assert.deepEqual(await again.json(), {id: 'v1'});
    assert.equal(glia.connections(), 2);
  });

  it('is not sent again when part of the answer had arrived', async () => {
    const glia = fakeGlia((nth, socket) =>
      nth === 0 ? socket.write(OK) : socket.end('HTTP/1.1 201 Cre')
    );
    servers.push(glia);
    const base = await glia.ready;
    await startVisitor(base);
    await settle();
    await assert.rejects(startVisitor(base));
    assert.deepEqual(glia.seen, ['POST /visitors HTTP/1.1', 'POST /visitors HTTP/1.1']);
  });

  it('is not sent again when a new connection closes without an answer', async () => {
    // Glia read it on a connection of its own, and may have acted on it: the caller decides.
    const glia = fakeGlia((_nth, socket) => socket.end());
    servers.push(glia);
    const base = await glia.ready;
    await assert.rejects(startVisitor(base));
    assert.deepEqual(glia.seen, ['POST /visitors HTTP/1.1']);
  });
});
