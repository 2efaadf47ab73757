/**
 * Files and choices through the proxy (docs/contract.md, "Files and choices"), against the
 * in-process simulator: the visitor's uploads (scanned, refused when too large, of a type not
 * allowed or not what they claim, taken once per id), messages that carry them, the agent's files
 * served without a Glia address or token, and the agent's single-choice questions.
 */
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import type {AddressInfo} from 'node:net';
import {describe, it} from 'node:test';
import {createProxyApp} from '../../src/proxy/app.js';
import {loadConfig} from '../../src/proxy/config.js';
import {nodeGliaFetch} from '../../src/proxy/glia/node-fetch.js';
import {createSimulator} from '../../src/simulator/app.js';
import {ConfigError} from '../../src/proxy/config.js';
import type {Timers} from '../../src/simulator/scheduler.js';
import {reduce} from '../../src/proxy/sessions/session-reducer.js';
import {hashSecret, newRecord} from '../../src/proxy/sessions/session-record.js';
import type {ChatEvent, SessionSnapshot, Upload} from '../../src/wire/handoff/index.js';
import type {Harness, SetupOptions} from './support.js';
import {
  GLIA_BASE,
  PAGE_ORIGIN,
  listenOnSocket,
  newMessageId,
  setup as baseSetup,
  simEnv,
  stopSocket,
} from './support.js';

const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4,
]);
const PDF = new TextEncoder().encode('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n');
const ELF = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0]);
/** The simulator's scans wait for `release()` (any other timer runs as usual). */
const HELD_MS = 987_654;

class HeldScans implements Timers {
  private held = new Map<symbol, () => void>();
  setTimeout(callback: () => void, ms: number): unknown {
    if (ms !== HELD_MS) return setTimeout(callback, ms);
    const key = Symbol('scan');
    this.held.set(key, callback);
    return key;
  }
  clearTimeout(handle: unknown): void {
    if (typeof handle === 'symbol') this.held.delete(handle);
    else clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
  /** Lets every scan waiting so far report. */
  release(): void {
    const callbacks = [...this.held.values()];
    this.held.clear();
    for (const callback of callbacks) callback();
  }
}

function setup(
  options: SetupOptions & {
    scan?: 'clean' | 'infected';
    fileSending?: {allowed: boolean; contentTypes: string[]};
  } = {}
) {
  const scans = new HeldScans();
  const h = baseSetup({
    ...options,
    sim: {
      timers: scans,
      fileScan: {delayMs: HELD_MS, result: options.scan ?? 'clean'},
      ...(options.fileSending ? {fileSending: options.fileSending} : {}),
      ...options.sim,
    },
  });
  return {...h, scans, ...helpers(h, scans)};
}

function helpers(h: Harness, scans: HeldScans) {
  /** A started, engaged session with its stream open and read up to the `engaged` status. */
  async function engaged() {
    const session = await h.start();
    const stream = await h.stream(session.id, session.token);
    const engagementId = await h.accept();
    const events = await stream.events(3);
    const status = events.at(-1)?.event;
    assert.equal(status?.type === 'status' && status.status, 'engaged');
    return {session, stream, engagementId, status};
  }

  /** `PUT …/uploads/:id` as the widget makes it: raw bytes, type, name, length. */
  async function upload(
    session: {id: string; token: string},
    file: {bytes: Uint8Array | ReadableStream<Uint8Array>; type: string; name: string},
    uploadId: string = randomUUID(),
    headers: Record<string, string> = {}
  ) {
    const response = await h.proxy.request(`/handoff/sessions/${session.id}/uploads/${uploadId}`, {
      method: 'PUT',
      headers: {
        origin: PAGE_ORIGIN,
        authorization: `Bearer ${session.token}`,
        'content-type': file.type,
        'x-file-name': encodeURIComponent(file.name),
        ...(file.bytes instanceof Uint8Array
          ? {'content-length': String(file.bytes.byteLength)}
          : {}),
        ...headers,
      },
      body: file.bytes as BodyInit,
      ...(file.bytes instanceof Uint8Array ? {} : {duplex: 'half'}),
    } as RequestInit);
    const text = await response.text();
    h.browserSaw.push(text);
    return {
      status: response.status,
      body: JSON.parse(text) as {upload?: Upload; error?: {code: string; message: string}},
      uploadId,
    };
  }

  /** The scans waiting so far report; their webhooks land. */
  async function scanned() {
    scans.release();
    await h.sim.webhooksIdle();
  }

  /** How many uploads reached Glia (whatever Glia answered). */
  async function uploadsToGlia() {
    const log = await h.simLog();
    return log.requests.filter((r) => r.method === 'POST' && /\/files$/.test(r.path)).length;
  }

  async function gliaFiles(engagementId: string) {
    const state = (await h.operator('GET', '/state')) as {
      engagements: Array<{
        id: string;
        files: Array<{id: string; name: string; size: number; scan: string}>;
      }>;
    };
    return state.engagements.find((e) => e.id === engagementId)?.files ?? [];
  }

  return {engaged, upload, scanned, uploadsToGlia, gliaFiles};
}

const send = (
  h: Harness,
  session: {id: string; token: string},
  body: unknown,
  id = newMessageId()
) =>
  h.browser('PUT', `/handoff/sessions/${session.id}/messages/${id}`, {token: session.token, body});

const messageOf = (event: ChatEvent | undefined) => {
  assert.equal(event?.type, 'message');
  return event.type === 'message' ? event.message : assert.fail();
};

describe('proxy: the visitor sends files', () => {
  it('uploads a file, reports the scan on the stream, then sends it in a message Glia stores with the attachment', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const {session, stream, engagementId} = await h.engaged();

    const up = await h.upload(session, {bytes: PNG, type: 'image/png', name: 'Näyttö "1".png'});
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.deepEqual(up.body.upload, {
      id: up.uploadId,
      name: 'Näyttö "1".png',
      size: PNG.byteLength,
      contentType: 'image/png',
      status: 'scanning',
    });
    // Not sendable while Glia scans it.
    const early = await send(h, session, {text: '', files: [up.uploadId]});
    assert.equal(early.status, 409, early.text);
    assert.equal((early.body as {error: {code: string}}).error.code, 'file-not-ready');
    // A reload finds it.
    assert.deepEqual((await h.snapshot(session.id, session.token)).uploads, [up.body.upload]);

    await h.scanned();
    const [verdict] = await stream.events(1);
    assert.deepEqual(verdict?.event, {
      type: 'upload',
      upload: {...up.body.upload, status: 'ready'},
    });

    const messageId = newMessageId();
    const sent = await send(h, session, {text: 'Here it is', files: [up.uploadId]}, messageId);
    assert.equal(sent.status, 201, sent.text);
    const message = (sent.body as {message: {files: unknown}}).message;
    assert.deepEqual(message.files, [
      {id: up.uploadId, name: 'Näyttö "1".png', contentType: 'image/png', size: PNG.byteLength},
    ]);
    assert.deepEqual(messageOf((await stream.events(1))[0]?.event), message);
    // Sent: no longer waiting in the snapshot, and the same id again is the same message.
    assert.equal((await h.snapshot(session.id, session.token)).uploads, undefined);
    const again = await send(h, session, {text: 'Here it is', files: [up.uploadId]}, messageId);
    assert.equal(again.status, 200, again.text);

    // Glia has the message with the file, its bytes exactly what the visitor picked.
    const state = (await h.operator('GET', '/state')) as {
      engagements: Array<{
        id: string;
        messages: Array<{
          id: string;
          content: string;
          attachment?: {type: string; files: Array<{name: string; href: string}>};
        }>;
      }>;
    };
    const stored = state.engagements.find((e) => e.id === engagementId)?.messages;
    assert.equal(stored?.length, 1);
    assert.equal(stored?.[0]?.id, messageId);
    assert.equal(stored?.[0]?.content, 'Here it is');
    assert.equal(stored?.[0]?.attachment?.type, 'files');
    assert.equal(stored?.[0]?.attachment?.files[0]?.name, 'Näyttö "1".png');
    const bytes = await h.sim.app.request(stored?.[0]?.attachment?.files[0]?.href ?? '');
    assert.deepEqual(new Uint8Array(await bytes.arrayBuffer()), PNG);

    // Sent once: another message cannot carry it again.
    const twice = await send(h, session, {text: 'again', files: [up.uploadId]});
    assert.equal(twice.status, 409);
    assert.equal((twice.body as {error: {code: string}}).error.code, 'upload-already-sent');
  });

  it('takes a retry of the same upload id once, and refuses an unknown upload in a message', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const {session} = await h.engaged();
    const uploadId = randomUUID();
    const first = await h.upload(session, {bytes: PNG, type: 'image/png', name: 'a.png'}, uploadId);
    assert.equal(first.status, 201);
    const retry = await h.upload(session, {bytes: PNG, type: 'image/png', name: 'a.png'}, uploadId);
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.body.upload, first.body.upload);
    assert.equal(await h.uploadsToGlia(), 1);

    const unknown = await send(h, session, {text: 'x', files: [randomUUID()]});
    assert.equal(unknown.status, 400);
    assert.equal((unknown.body as {error: {code: string}}).error.code, 'unknown-upload');
    const badId = await h.upload(
      session,
      {bytes: PNG, type: 'image/png', name: 'a.png'},
      'not-a-uuid'
    );
    assert.equal(badId.status, 400);
    assert.equal(await h.uploadsToGlia(), 1);
  });

  it('limits uploads per conversation', async (t) => {
    const h = setup({proxy: {limits: {uploadsPerSession: {capacity: 2, refillPerSecond: 0.001}}}});
    t.after(() => h.close());
    const {session} = await h.engaged();
    for (const expected of [201, 201, 429]) {
      const up = await h.upload(session, {bytes: PNG, type: 'image/png', name: 'a.png'});
      assert.equal(up.status, expected);
    }
    assert.equal(await h.uploadsToGlia(), 2);
  });

  it('reports an infected file (its scan under the configured event name) and refuses to send it', async (t) => {
    const h = setup({
      scan: 'infected',
      env: {GLIA_FILE_SCAN_EVENT: 'files.scanned'},
      sim: {fileScanEvent: 'files.scanned'},
    });
    t.after(() => h.close());
    const {session, stream, engagementId} = await h.engaged();
    const up = await h.upload(session, {bytes: PDF, type: 'application/pdf', name: 'invoice.pdf'});
    assert.equal(up.status, 201);
    await h.scanned();
    const [verdict] = await stream.events(1);
    assert.equal(verdict?.event.type === 'upload' && verdict.event.upload.status, 'infected');
    const sent = await send(h, session, {text: 'see', files: [up.uploadId]});
    assert.equal(sent.status, 409, sent.text);
    assert.equal((sent.body as {error: {code: string}}).error.code, 'file-infected');
    const state = await h.simState();
    assert.equal(state.engagements.find((e) => e.id === engagementId)?.messages.length, 0);
  });

  it('refuses a file over FILE_MAX_BYTES by its declared length and as it streams, and Glia keeps nothing', async (t) => {
    const h = setup({env: {FILE_MAX_BYTES: '1000'}});
    t.after(() => h.close());
    const {session, engagementId, status} = await h.engaged();
    assert.equal(status?.type === 'status' && status.filePolicy?.maxBytes, 1000);
    const big = new Uint8Array(2000);
    big.set(PNG);

    const declared = await h.upload(session, {bytes: big, type: 'image/png', name: 'big.png'});
    assert.equal(declared.status, 413);
    assert.equal(declared.body.error?.code, 'file-too-large');
    assert.equal(await h.uploadsToGlia(), 0);

    // No length declared: counted as it streams, and cut past the limit.
    const chunks = [PNG, new Uint8Array(600), new Uint8Array(600)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await h.upload(session, {bytes: body, type: 'image/png', name: 'big.png'});
    assert.equal(streamed.status, 413, JSON.stringify(streamed.body));
    assert.equal(streamed.body.error?.code, 'file-too-large');
    assert.deepEqual(await h.gliaFiles(engagementId), []);
    // Nothing was left behind: the same id can be used for a file that fits.
    const fits = await h.upload(
      session,
      {bytes: PNG, type: 'image/png', name: 'ok.png'},
      streamed.uploadId
    );
    assert.equal(fits.status, 201);
  });

  it('refuses a type not allowed, and a file whose bytes are not its declared type, before Glia sees it', async (t) => {
    const h = setup();
    t.after(() => h.close());
    const {session} = await h.engaged();
    const exe = await h.upload(session, {
      bytes: ELF,
      type: 'application/x-msdownload',
      name: 'setup.exe',
    });
    assert.equal(exe.status, 415);
    assert.equal(exe.body.error?.code, 'file-type-not-allowed');
    assert.match(exe.body.error?.message ?? '', /image\/png/);

    const disguised = await h.upload(session, {bytes: ELF, type: 'image/png', name: 'cat.png'});
    assert.equal(disguised.status, 415);
    assert.equal(disguised.body.error?.code, 'file-type-mismatch');
    const script = await h.upload(session, {
      bytes: new TextEncoder().encode('#!/bin/sh\nrm -rf ~\n'),
      type: 'application/pdf',
      name: 'report.pdf',
    });
    assert.equal(script.body.error?.code, 'file-type-mismatch');
    const binaryText = await h.upload(session, {bytes: ELF, type: 'text/plain', name: 'notes.txt'});
    assert.equal(binaryText.body.error?.code, 'file-type-mismatch');
    assert.equal(await h.uploadsToGlia(), 0);

    const text = await h.upload(session, {
      bytes: new TextEncoder().encode('Tulostin: virhe 0x4F\nyritin uudelleen\n'),
      type: 'text/plain; charset=utf-8',
      name: 'notes.txt',
    });
    assert.equal(text.status, 201, JSON.stringify(text.body));
    assert.equal(text.body.upload?.contentType, 'text/plain');
  });

  it("follows the engagement's file permissions: only the types both allow, none when sending is off", async (t) => {
    const h = setup({fileSending: {allowed: true, contentTypes: ['image/png', 'application/zip']}});
    t.after(() => h.close());
    const {session, status} = await h.engaged();
    const policy = {contentTypes: ['image/png'], maxBytes: 25 * 1024 * 1024};
    assert.deepEqual(status?.type === 'status' && status.filePolicy, policy);
    assert.deepEqual((await h.snapshot(session.id, session.token)).filePolicy, policy);
    const pdf = await h.upload(session, {bytes: PDF, type: 'application/pdf', name: 'a.pdf'});
    assert.equal(pdf.status, 415);

    const off = setup({fileSending: {allowed: false, contentTypes: ['image/png']}});
    t.after(() => off.close());
    const second = await off.engaged();
    assert.equal(second.status?.type === 'status' && second.status.filePolicy, undefined);
    const snapshot: SessionSnapshot = await off.snapshot(second.session.id, second.session.token);
    assert.equal(snapshot.filePolicy, undefined);
    const refused = await off.upload(second.session, {
      bytes: PNG,
      type: 'image/png',
      name: 'a.png',
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error?.code, 'file-sending-off');
    assert.equal(await off.uploadsToGlia(), 0);
  });
});

describe("proxy: the agent's files and questions", () => {
  it("serves an agent's files through the proxy with safe headers, and no Glia address or token reaches the browser", async (t) => {
    const h = setup();
    t.after(() => h.close());
    const {session, stream, engagementId} = await h.engaged();
    await h.operator('POST', `/engagements/${engagementId}/messages`, {
      content: 'The guide and the form',
      attachment: {
        type: 'files',
        files: [
          {
            name: 'guide.png',
            content_type: 'image/png',
            data_base64: Buffer.from(PNG).toString('base64'),
          },
          {
            name: 'lomake ö.pdf',
            content_type: 'application/pdf',
            data_base64: Buffer.from(PDF).toString('base64'),
          },
          {
            name: 'page.html',
            content_type: 'text/html',
            data_base64: Buffer.from('<script>alert(1)</script>').toString('base64'),
          },
        ],
      },
    });
    const message = messageOf((await stream.events(1))[0]?.event);
    assert.equal(message.text, 'The guide and the form');
    assert.deepEqual(
      message.files?.map(({name, contentType}) => [name, contentType]),
      [
        ['guide.png', 'image/png'],
        ['lomake ö.pdf', 'application/pdf'],
        ['page.html', 'text/html'],
      ]
    );
    const [png, pdf, html] = message.files ?? [];

    const get = async (id: string) => {
      const response = await h.proxy.request(`/handoff/sessions/${session.id}/files/${id}`, {
        headers: {origin: PAGE_ORIGIN, authorization: `Bearer ${session.token}`},
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      h.browserSaw.push(new TextDecoder().decode(bytes), JSON.stringify([...response.headers]));
      return {response, bytes};
    };
    const image = await get(png!.id);
    assert.equal(image.response.status, 200);
    assert.deepEqual(image.bytes, PNG);
    assert.equal(image.response.headers.get('content-type'), 'image/png');
    assert.equal(
      image.response.headers.get('content-disposition'),
      `inline; filename="guide.png"; filename*=UTF-8''guide.png`
    );
    assert.equal(image.response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(
      image.response.headers.get('content-security-policy'),
      "default-src 'none'; sandbox"
    );
    assert.equal(image.response.headers.get('cache-control'), 'private, no-store');

    const form = await get(pdf!.id);
    assert.deepEqual(form.bytes, PDF);
    assert.equal(
      form.response.headers.get('content-disposition'),
      `attachment; filename="lomake _.pdf"; filename*=UTF-8''lomake%20%C3%B6.pdf`
    );
    // A type outside the allow-list is only ever bytes to save.
    const page = await get(html!.id);
    assert.equal(page.response.headers.get('content-type'), 'application/octet-stream');
    assert.match(page.response.headers.get('content-disposition') ?? '', /^attachment;/);

    // Without the session's token, or an id this session was never sent: nothing.
    const anonymous = await h.proxy.request(`/handoff/sessions/${session.id}/files/${png!.id}`);
    assert.equal(anonymous.status, 401);
    assert.equal((await get('f0123456789abcdef0123456789abcdef')).response.status, 404);

    // Glia deleted one: it is gone here too.
    const gliaFile = (await h.gliaFiles(engagementId)).find((f) => f.name === 'guide.png');
    await h.operator('POST', `/__sim/files/${gliaFile?.id}/delete`.replace('/__sim', ''));
    assert.equal((await get(png!.id)).response.status, 404);

    // The catch-up from the transcript gives the same files under the same ids.
    await h.proxy.handoff.catchUp(session.id);
    const snapshot = await h.snapshot(session.id, session.token);
    assert.deepEqual(
      snapshot.messages.find((m) => m.files)?.files?.map((f) => f.id),
      [png!.id, pdf!.id, html!.id]
    );

    const glia = await h.gliaFiles(engagementId);
    for (const text of [...h.browserSaw, ...h.logLines]) {
      assert.ok(
        !text.includes(GLIA_BASE),
        `a Glia address reached the browser: ${text.slice(0, 200)}`
      );
      assert.ok(
        !text.includes('/engagements/'),
        `a Glia path reached the browser: ${text.slice(0, 200)}`
      );
      for (const file of glia)
        assert.ok(!text.includes(file.id), 'a Glia file id reached the browser');
      for (const secret of h.secrets) assert.ok(!text.includes(secret), 'a secret leaked');
    }
  });

  it("streams an agent's question, sends the visitor's answer as Glia's single_choice_response, and takes one answer only", async (t) => {
    const h = setup();
    t.after(() => h.close());
    const {session, stream, engagementId} = await h.engaged();
    const options = [
      {text: 'Windows', value: 'win'},
      {text: 'macOS', value: 'mac'},
    ];
    await h.operator('POST', `/engagements/${engagementId}/messages`, {
      content: 'Which computer?',
      attachment: {type: 'single_choice', options},
    });
    const question = messageOf((await stream.events(1))[0]?.event);
    assert.deepEqual(question.choice, {options});

    const wrong = await send(h, session, {
      text: 'Linux',
      answer: {messageId: question.id, value: 'linux'},
    });
    assert.equal(wrong.status, 400);
    assert.equal((wrong.body as {error: {code: string}}).error.code, 'unknown-option');
    const nowhere = await send(h, session, {
      text: 'macOS',
      answer: {messageId: 'no-such', value: 'mac'},
    });
    assert.equal((nowhere.body as {error: {code: string}}).error.code, 'unknown-question');

    const messageId = newMessageId();
    const answer = {messageId: question.id, value: 'mac'};
    const sent = await send(h, session, {text: 'macOS', answer}, messageId);
    assert.equal(sent.status, 201, sent.text);
    assert.deepEqual((sent.body as {message: {answer: unknown}}).message.answer, answer);
    assert.deepEqual(messageOf((await stream.events(1))[0]?.event).answer, answer);

    const state = (await h.operator('GET', '/state')) as {
      engagements: Array<{
        id: string;
        messages: Array<{id: string; content: string; attachment?: unknown}>;
      }>;
    };
    const stored = state.engagements
      .find((e) => e.id === engagementId)
      ?.messages.find((m) => m.id === messageId);
    assert.equal(stored?.content, 'macOS');
    assert.deepEqual(stored?.attachment, {type: 'single_choice_response', selected_option: 'mac'});

    // The same message again is a repeat; another answer to the question is refused.
    assert.equal((await send(h, session, {text: 'macOS', answer}, messageId)).status, 200);
    const second = await send(h, session, {
      text: 'Windows',
      answer: {messageId: question.id, value: 'win'},
    });
    assert.equal(second.status, 409);
    assert.equal((second.body as {error: {code: string}}).error.code, 'already-answered');
  });
});

describe('the session reducer: files', () => {
  it('keeps a scan verdict that arrives before Glia took the upload, and applies it then', () => {
    let record = newRecord({
      id: 's1',
      tokenHash: hashSecret('t'),
      webhookSecretHash: hashSecret('w'),
      createdAt: 0,
      queueId: 'q',
    });
    record = {...record, status: 'engaged', engagementId: 'e1'};
    const fileId = randomUUID();
    const early = reduce(record, {type: 'file-scanned', fileId, clean: true});
    assert.equal(early.outcome, 'deferred');
    const started = reduce(early.record, {
      type: 'upload-started',
      upload: {
        id: 'u1',
        name: 'a.png',
        size: 0,
        contentType: 'image/png',
        status: 'uploading',
        sent: false,
        at: 5,
      },
      staleBefore: 0,
    });
    const stored = reduce(started.record, {
      type: 'upload-stored',
      id: 'u1',
      at: 5,
      size: 20,
      fileId,
      scanning: true,
    });
    assert.equal(stored.record.uploads[0]?.status, 'ready');
    assert.deepEqual(stored.record.earlyScans, []);
    // A scan for another engagement is not this session's.
    assert.equal(
      reduce(record, {type: 'file-scanned', fileId, clean: true, engagementId: 'e2'}).outcome,
      'mismatch'
    );
  });
});

describe('proxy: uploads over real sockets', () => {
  it('streams a file from the socket to Glia over HTTP, byte for byte', async (t) => {
    const listen = listenOnSocket;
    const stop = stopSocket;
    const simulator = createSimulator({fileScan: {delayMs: 0, result: 'clean'}});
    const sim = await listen(simulator.app.fetch);
    const late: {app?: ReturnType<typeof createProxyApp>} = {};
    // The proxy's own way to Glia on a network (node-fetch.ts): the upload streams over node:http.
    const proxy = await listen((request, env) => late.app!.fetch(request, env));
    const app = createProxyApp({
      config: loadConfig(simEnv({GLIA_API_BASE: sim.url, PUBLIC_URL: proxy.url})),
      fetch: nodeGliaFetch,
      logWrite: () => undefined,
      sweepIntervalMs: 0,
    });
    late.app = app;
    t.after(async () => {
      await app.close();
      simulator.close();
      await stop(proxy.server);
      await stop(sim.server);
    });

    const started = (await (
      await fetch(`${proxy.url}/handoff/sessions`, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({description: 'The printer'}),
      })
    ).json()) as {session: {id: string; token: string}};
    const {session} = started;
    const state = async () =>
      (await (await fetch(`${sim.url}/__sim/state`)).json()) as {
        tickets: Array<{id: string}>;
        engagements: Array<{id: string; files: Array<{id: string; size: number; href: string}>}>;
      };
    const ticket = (await state()).tickets.at(-1);
    await fetch(`${sim.url}/__sim/queue_tickets/${ticket?.id}/accept`, {method: 'POST'});
    await simulator.webhooksIdle();

    const bytes = new Uint8Array(3 * 1024 * 1024 + 7);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 251;
    bytes.set(PNG.subarray(0, 8));
    const answer = await fetch(
      `${proxy.url}/handoff/sessions/${session.id}/uploads/${randomUUID()}`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${session.token}`,
          'content-type': 'image/png',
          'x-file-name': 'scan.png',
        },
        body: bytes,
      }
    );
    assert.equal(answer.status, 201, await answer.clone().text());
    assert.equal(((await answer.json()) as {upload: Upload}).upload.size, bytes.byteLength);
    const [file] = (await state()).engagements[0]?.files ?? [];
    assert.equal(file?.size, bytes.byteLength);
    const stored = new Uint8Array(await (await fetch(`${sim.url}${file?.href}`)).arrayBuffer());
    assert.deepEqual(stored, bytes);
  });
});

describe('proxy: file settings and the streamed way to Glia', () => {
  it('refuses FILE_CONTENT_TYPES it cannot check and FILE_MAX_BYTES over 25 MB, naming the variable', () => {
    for (const [variable, value] of [
      ['FILE_CONTENT_TYPES', 'image/png,application/x-msdownload'],
      ['FILE_MAX_BYTES', String(26 * 1024 * 1024)],
    ] as const) {
      assert.throws(
        () => loadConfig(simEnv({[variable]: value})),
        (error: unknown) =>
          error instanceof ConfigError && error.problems.some((p) => p.variable === variable)
      );
    }
    assert.deepEqual(loadConfig(simEnv({FILE_CONTENT_TYPES: ''})).files.contentTypes, []);
  });

  it('sends a streamed body as the socket takes it, and stops when Glia answers before reading it', async (t) => {
    const {createServer} = await import('node:http');
    let received = 0;
    let length: string | undefined;
    const server = createServer((req, res) => {
      length = req.headers['content-length'];
      if (req.url === '/refuse') {
        res.writeHead(413, {'content-type': 'application/json', connection: 'close'});
        res.end('{"message":"too large"}');
        return;
      }
      req.on('data', (chunk: Buffer) => (received += chunk.byteLength));
      req.on('end', () => res.end(JSON.stringify({received})));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const body = (total: number) => {
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= total) return controller.close();
          sent += 65536;
          controller.enqueue(new Uint8Array(65536));
        },
      });
    };
    const ok = await nodeGliaFetch(`http://127.0.0.1:${port}/take`, {
      method: 'POST',
      headers: {'Content-Length': String(65536 * 40)},
      body: body(65536 * 40),
      duplex: 'half',
    });
    assert.deepEqual(await ok.json(), {received: 65536 * 40});
    assert.equal(length, String(65536 * 40));
    // A 64 MB body Glia refuses at once: the answer arrives, and the rest is never read.
    const refused = await nodeGliaFetch(`http://127.0.0.1:${port}/refuse`, {
      method: 'POST',
      headers: {},
      body: body(64 * 1024 * 1024),
      duplex: 'half',
    });
    assert.equal(refused.status, 413);
    assert.deepEqual(await refused.json(), {message: 'too large'});
  });
});
