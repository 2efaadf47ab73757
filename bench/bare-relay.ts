/**
 * @module The floor the proxy is measured against (`npm run bench`): a bare relay on node:http
 * that does the least a webhook-to-browser relay can. It holds each visitor's event stream
 * (`GET /stream/<index>`), takes the simulator's webhook POST (`POST /hook/<index>`), parses its
 * JSON and writes one SSE frame to that visitor's open response. No router, no validation, no
 * secret, no log, no store: whatever the proxy spends beyond this is the price of its checks and
 * its guarantees. Forked with an IPC channel, like bench/proxy-main.ts, and answers `stats`.
 * Run with --expose-gc.
 */
import http from 'node:http';
import type {ServerResponse} from 'node:http';
import {sseFrame} from '../src/kit/sse.js';
import type {ProxyCommand, ProxyStats} from './protocol.js';
import {handleProfiling} from './profiling.js';
import {processStats} from './stats.js';

const streams = new Map<string, ServerResponse>();
const sequence = new Map<string, number>();
let relayed = 0;

/** The chat event the proxy would stream for a delivery, or undefined for one it would not. */
function toEvent(body: string): object | undefined {
  const payload = JSON.parse(body) as {
    event_type?: string;
    message?: {id: string; content: string; target?: string; created_at?: string};
  };
  if (payload.event_type === 'engagement.start') return {type: 'status', status: 'engaged'};
  if (payload.event_type === 'engagement.chat.message' && payload.message) {
    const {id, content, target, created_at} = payload.message;
    const from = target === 'visitor' ? 'operator' : 'visitor';
    return {type: 'message', message: {id, from, text: content, at: created_at ?? ''}};
  }
  return undefined;
}

const server = http.createServer((req, res) => {
  const [, kind, index = ''] = (req.url ?? '').split('/');
  if (req.method === 'GET' && kind === 'stream') {
    res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-store'});
    res.flushHeaders();
    streams.set(index, res);
    res.on('close', () => streams.get(index) === res && streams.delete(index));
    return;
  }
  if (req.method === 'POST' && kind === 'hook') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const event = toEvent(Buffer.concat(chunks).toString('utf8'));
      const stream = streams.get(index);
      if (event && stream) {
        const id = (sequence.get(index) ?? 0) + 1;
        sequence.set(index, id);
        stream.write(sseFrame(id, (event as {type: string}).type, JSON.stringify(event)));
        relayed++;
      }
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({id: 0, type: 'ready', url: `http://127.0.0.1:${port}`});
});

process.on('message', async (command: ProxyCommand) => {
  if (await handleProfiling(command)) return;
  if (command.type !== 'stats') return;
  const stats: ProxyStats = {
    id: command.id,
    type: 'stats',
    ...processStats(command.gc),
    loopDelayP99Ms: 0,
    sessions: streams.size,
    openStreams: streams.size,
    tokenExchanges: 0,
    relayed,
  };
  process.send?.(stats);
});
process.once('SIGTERM', () => process.exit(0));
