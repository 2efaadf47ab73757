/**
 * @module `npm run bench:files`: the proxy's memory while visitors upload. The simulator and the
 * proxy run as separate processes (bench/processes.ts); ten visitors, each engaged, upload a
 * 25 MB file at once through the proxy, which streams each to the simulator's
 * `POST /engagements/{id}/files`. The proxy's resident memory is read from the outside
 * (`/proc/<pid>/status`) every 10 ms, so the numbers are the proxy's alone: before (after a full
 * GC), the peak during the uploads, and after (after a full GC). Streaming keeps the peak flat:
 * a proxy that held the files would grow by their sum, 250 MB. Not part of `npm test`.
 */
import {readFileSync} from 'node:fs';
import {request} from 'node:http';
import {randomUUID} from 'node:crypto';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {startProxy, startSim} from './processes.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 10);
const FILE_BYTES = 25 * 1024 * 1024;
const CHUNK = 64 * 1024;
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** A field of `/proc/<pid>/status` in bytes (`VmRSS`, `VmHWM`). */
function procBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

async function json(url: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

/** A session the auto-operator has taken. */
async function engagedSession(proxyUrl: string): Promise<{id: string; token: string}> {
  const {session} = (await json(`${proxyUrl}/handoff/sessions`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({description: 'bench: a file for you'}),
  })) as {session: {id: string; token: string}};
  for (;;) {
    const snapshot = (await json(`${proxyUrl}/handoff/sessions/${session.id}`, {
      headers: {authorization: `Bearer ${session.token}`},
    })) as {status: string; filePolicy?: unknown};
    if (snapshot.status === 'engaged' && snapshot.filePolicy) return session;
    if (snapshot.status !== 'queued') throw new Error(`session ${snapshot.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One 25 MB upload written a chunk at a time, as a browser sends a File: with its length. */
function upload(proxyUrl: string, session: {id: string; token: string}): Promise<number> {
  const url = new URL(`${proxyUrl}/handoff/sessions/${session.id}/uploads/${randomUUID()}`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${session.token}`,
          'content-type': 'image/png',
          'content-length': String(FILE_BYTES),
          'x-file-name': 'bench.png',
        },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (text: string) => (body += text));
        response.on('end', () =>
          response.statusCode === 201
            ? resolve(response.statusCode)
            : reject(new Error(`upload → ${response.statusCode} ${body}`))
        );
      }
    );
    req.on('error', reject);
    let written = 0;
    const chunk = Buffer.alloc(CHUNK);
    const write = () => {
      while (written < FILE_BYTES) {
        const part = Buffer.from(chunk.subarray(0, Math.min(CHUNK, FILE_BYTES - written)));
        if (written === 0) part.set(PNG);
        written += part.byteLength;
        if (!req.write(part)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

const sim = await startSim(root, false);
const proxy = await startProxy(root, sim.url, {logLevel: 'warn'});
try {
  // The scans report after the uploads, as Glia's do.
  await sim.control('config', {file_scan: {delay_ms: 2000, result: 'clean'}});
  const sessions = await Promise.all(
    Array.from({length: UPLOADS}, () => engagedSession(proxy.url))
  );
  const before = await proxy.stats();
  const hwmBefore = procBytes(proxy.pid, 'VmHWM');
  let peak = procBytes(proxy.pid, 'VmRSS');
  const sampler = setInterval(() => {
    peak = Math.max(peak, procBytes(proxy.pid, 'VmRSS'));
  }, 10);
  const started = performance.now();
  await Promise.all(sessions.map((session) => upload(proxy.url, session)));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, procBytes(proxy.pid, 'VmRSS'));
  const after = await proxy.stats();
  const total = UPLOADS * FILE_BYTES;
  console.log(
    [
      `${UPLOADS} parallel uploads of ${mb(FILE_BYTES)} through the proxy (${mb(total)} in ${seconds.toFixed(1)} s)`,
      `proxy RSS before  ${mb(before.rssBytes)} (after a full GC)`,
      `proxy RSS peak    ${mb(peak)} (sampled every 10 ms; growth ${mb(peak - before.rssBytes)})`,
      `proxy RSS after   ${mb(after.rssBytes)} (after a full GC)`,
      `proxy VmHWM       ${mb(hwmBefore)} before, ${mb(procBytes(proxy.pid, 'VmHWM'))} after`,
    ].join('\n')
  );
} finally {
  await proxy.stop();
  await sim.stop();
}
