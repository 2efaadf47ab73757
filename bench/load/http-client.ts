/**
 * @module A small HTTP/1.1 client on node:http for the load generator: keep-alive, Nagle off, a
 * timeout per request. node:http rather than fetch because the load generator holds thousands of
 * streams and should spend as little CPU per request as it can, so that what is measured is the
 * servers.
 */
import http from 'node:http';

/**
 * Keep-alive connections for requests and answers (SSE streams get their own sockets). With a
 * `timeout`, Node lets an idle one go a second before the server's `Keep-Alive: timeout=` hint;
 * without one it ignores the hint and keeps it until the server closes it, which a busy event
 * loop notices late: a request then meets the closed socket.
 */
export const requestAgent = new http.Agent({
  keepAlive: true,
  // Per origin (proxy, simulator): at 19,000 streams this process holds 19,000 SSE sockets, and
  // may hold 20,000 files in all; 256 + 256 + the simulator's 256 webhook connections fit.
  maxSockets: 256,
  maxFreeSockets: 256,
  timeout: 4000,
});

/** What one request sends; the body goes as JSON. */
export interface HttpInit {
  method: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * One request; rejects on a network error or after `timeoutMs`. A keep-alive connection that the
 * server closed just as it was reused is retried once on a new connection, as Node's
 * documentation advises (`request.reusedSocket`): the server never read that request. Not from
 * the pool: its other idle connections went idle together and may be closing too (the 10,000
 * step once stopped on such a second "socket hang up").
 */
export async function request(url: string, init: HttpInit): Promise<HttpAnswer> {
  try {
    return await requestOnce(url, init, requestAgent);
  } catch (error) {
    if ((error as {reusedSocketReset?: boolean}).reusedSocketReset)
      return requestOnce(url, init, false);
    throw error;
  }
}

function requestOnce(url: string, init: HttpInit, agent: http.Agent | false): Promise<HttpAnswer> {
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const headers: Record<string, string> = {...init.headers};
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method: init.method, headers, agent}, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8')})
      );
      res.on('error', reject);
    });
    req.setTimeout(init.timeoutMs ?? 30_000, () => req.destroy(new Error('timeout')));
    req.on('socket', (socket) => socket.setNoDelay(true));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE'))
        Object.assign(error, {reusedSocketReset: true});
      reject(error);
    });
    req.end(body);
  });
}

/** `request` that expects JSON and a status in `ok`; rejects otherwise with what came back. */
export async function requestJson<T>(
  url: string,
  init: HttpInit,
  ok: readonly number[] = [200, 201]
): Promise<{status: number; data: T}> {
  const answer = await request(url, init);
  if (!ok.includes(answer.status))
    throw new Error(
      `${init.method} ${new URL(url).pathname} → ${answer.status} ${answer.text.slice(0, 200)}`
    );
  return {status: answer.status, data: (answer.text ? JSON.parse(answer.text) : undefined) as T};
}
