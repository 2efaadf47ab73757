import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {describe, it} from 'node:test';
import {ChatMessage, UploadFileResponse, readAttachment} from '../../src/wire/glia/index.js';
import {ACCEPT, HOOK_URL, SEED} from './support.js';
import {setup} from './support.js';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const SCAN_EVENT = 'engagement.file.security_scan';

/** A simulator whose raw deliveries are kept (the scan event is not a WebhookPayload). */
function files(deps: Parameters<typeof setup>[0] = {}) {
  const raw: {event_type: string; [k: string]: unknown}[] = [];
  const parts = setup({
    fileScan: {delayMs: 0, result: 'clean'},
    fetch: async (_url, init) => {
      raw.push(JSON.parse(init.body) as {event_type: string});
      return new Response(null, {status: 204});
    },
    ...deps,
  });
  const {sim, call, newVisitor} = parts;

  async function engaged() {
    const visitor = await newVisitor();
    const ticket = await call('POST', '/queue_tickets', {
      token: visitor.access_token,
      body: {
        site_id: SEED.siteId,
        media: 'text',
        queue_ids: [SEED.openQueue.id],
        webhooks: [
          {
            url: HOOK_URL,
            method: 'POST',
            events: ['engagement.chat.message', SCAN_EVENT],
          },
        ],
      },
    });
    assert.equal(ticket.status, 201, JSON.stringify(ticket.body));
    const accepted = await call(
      'POST',
      `/__sim/queue_tickets/${(ticket.body as {id: string}).id}/accept`
    );
    const engagement = (accepted.body as {engagement: {id: string}}).engagement;
    return {visitor, engagement};
  }

  async function upload(
    engagementId: string,
    token: string,
    file: {bytes: Uint8Array<ArrayBuffer>; type: string; name: string}
  ) {
    const form = new FormData();
    form.append('content', new Blob([file.bytes], {type: file.type}), file.name);
    const response = await sim.app.request(`/engagements/${engagementId}/files`, {
      method: 'POST',
      headers: {accept: ACCEPT, authorization: `Bearer ${token}`},
      body: form,
    });
    return {status: response.status, body: (await response.json()) as unknown};
  }

  const scanned = async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    await sim.webhooksIdle();
    return raw.filter((p) => p.event_type === SCAN_EVENT);
  };

  return {...parts, raw, engaged, upload, scanned};
}

describe('simulator: files', () => {
  it('takes an upload, scans it, then lets the visitor send it with empty content', async (t) => {
    const {sim, call, engaged, upload, scanned, raw, state} = files({
      fileScan: {delayMs: 20, result: 'clean'},
    });
    t.after(() => sim.close());
    const {visitor, engagement} = await engaged();
    const up = await upload(engagement.id, visitor.access_token, {
      bytes: PNG,
      type: 'image/png',
      name: 'shot.png',
    });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    const {file_id, security_scanning_required} = UploadFileResponse.parse(up.body);
    assert.equal(security_scanning_required, true);

    const path = `/engagements/${engagement.id}/chat_messages/${randomUUID()}`;
    const body = {content: '', attachment: {type: 'files', files: [{id: file_id}]}};
    const early = await call('PUT', path, {token: visitor.access_token, body});
    assert.equal(early.status, 422);
    assert.match(JSON.stringify(early.body), /security scan/);

    await new Promise((resolve) => setTimeout(resolve, 40));
    const scans = await scanned();
    assert.deepEqual(scans[0]?.file, {
      id: file_id,
      engagement_id: engagement.id,
      security_scan_result: 'clean',
    });

    const sent = await call('PUT', path, {token: visitor.access_token, body});
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const attachment = readAttachment(ChatMessage.parse(sent.body).attachment);
    assert.equal(attachment?.type, 'files');
    const [file] = attachment?.type === 'files' ? attachment.files : [];
    assert.equal(file?.name, 'shot.png');
    assert.equal(file?.content_type, 'image/png');
    assert.equal(file?.deleted, false);
    assert.equal(file?.url, `/engagements/${engagement.id}/files/${file_id}`);
    // The operator-bound echo carries the attachment too.
    await sim.webhooksIdle();
    const echo = raw.find((p) => p.event_type === 'engagement.chat.message');
    assert.equal(
      readAttachment((echo?.message as {attachment?: unknown}).attachment)?.type,
      'files'
    );

    const bytes = await sim.app.request(file?.url ?? '', {
      headers: {authorization: `Bearer ${visitor.access_token}`},
    });
    assert.equal(bytes.status, 200);
    assert.deepEqual(new Uint8Array(await bytes.arrayBuffer()), PNG);
    assert.equal(bytes.headers.get('x-content-type-options'), 'nosniff');

    const seen = (await state()).engagements[0] as unknown as {
      messages: {attachment?: {files: {name: string; scan: string}[]}}[];
    };
    assert.equal(seen.messages[0]?.attachment?.files[0]?.name, 'shot.png');
    assert.equal(seen.messages[0]?.attachment?.files[0]?.scan, 'clean');
  });

  it('refuses an infected file, an empty one, a type the engagement does not allow, and an ended engagement', async (t) => {
    const {sim, call, engaged, upload, scanned} = files({
      fileScan: {delayMs: 0, result: 'infected'},
    });
    t.after(() => sim.close());
    const {visitor, engagement} = await engaged();
    const up = await upload(engagement.id, visitor.access_token, {
      bytes: PNG,
      type: 'image/png',
      name: 'a.png',
    });
    const {file_id} = UploadFileResponse.parse(up.body);
    const scans = await scanned();
    assert.equal(
      (scans[0]?.file as {security_scan_result: string}).security_scan_result,
      'infected'
    );
    const sent = await call('PUT', `/engagements/${engagement.id}/chat_messages/${randomUUID()}`, {
      token: visitor.access_token,
      body: {content: 'see', attachment: {type: 'files', files: [{id: file_id}]}},
    });
    assert.equal(sent.status, 422);
    assert.match(JSON.stringify(sent.body), /failed the security scan/);

    const empty = await upload(engagement.id, visitor.access_token, {
      bytes: new Uint8Array(),
      type: 'image/png',
      name: 'e.png',
    });
    assert.equal(empty.status, 422);
    const exe = await upload(engagement.id, visitor.access_token, {
      bytes: PNG,
      type: 'application/x-msdownload',
      name: 'a.exe',
    });
    assert.equal(exe.status, 422);
    assert.match(JSON.stringify(exe.body), /not allowed/);

    const off = await call('POST', `/__sim/engagements/${engagement.id}/file_sending`, {
      body: {allowed: false},
    });
    assert.equal(off.status, 200);
    const view = await call('GET', `/engagements/${engagement.id}`, {token: visitor.access_token});
    assert.equal((view.body as {allow_file_sending: boolean}).allow_file_sending, false);
    const refused = await upload(engagement.id, visitor.access_token, {
      bytes: PNG,
      type: 'image/png',
      name: 'b.png',
    });
    assert.equal(refused.status, 403);

    await call('POST', `/__sim/engagements/${engagement.id}/end`);
    const late = await upload(engagement.id, visitor.access_token, {
      bytes: PNG,
      type: 'image/png',
      name: 'c.png',
    });
    assert.equal(late.status, 422);
    assert.match(JSON.stringify(late.body), /ended/);
  });

  it("sends an operator's file and a single-choice question, and takes the visitor's answer", async (t) => {
    const {sim, call, engaged, raw, state} = files();
    t.after(() => sim.close());
    const {visitor, engagement} = await engaged();
    const withFile = await call('POST', `/__sim/engagements/${engagement.id}/messages`, {
      body: {
        content: 'Here is the guide',
        attachment: {
          type: 'files',
          files: [
            {
              name: 'guide.png',
              content_type: 'image/png',
              data_base64: Buffer.from(PNG).toString('base64'),
            },
          ],
        },
      },
    });
    assert.equal(withFile.status, 201, JSON.stringify(withFile.body));
    const question = await call('POST', `/__sim/engagements/${engagement.id}/messages`, {
      body: {
        content: 'Which OS?',
        attachment: {
          type: 'single_choice',
          options: [
            {text: 'Windows', value: 'win'},
            {text: 'macOS', value: 'mac'},
          ],
        },
      },
    });
    assert.equal(question.status, 201);
    await sim.webhooksIdle();
    const messages = raw
      .filter((p) => p.event_type === 'engagement.chat.message')
      .map((p) => ChatMessage.parse(p.message));
    const file = readAttachment(messages[0]?.attachment);
    assert.equal(file?.type === 'files' && file.files[0]?.name, 'guide.png');
    const url = file?.type === 'files' ? file.files[0]!.url : '';
    const got = await sim.app.request(url, {
      headers: {authorization: `Bearer ${visitor.access_token}`},
    });
    assert.deepEqual(new Uint8Array(await got.arrayBuffer()), PNG);
    assert.deepEqual(readAttachment(messages[1]?.attachment), {
      type: 'single_choice',
      options: [
        {text: 'Windows', value: 'win'},
        {text: 'macOS', value: 'mac'},
      ],
    });

    const answer = await call(
      'PUT',
      `/engagements/${engagement.id}/chat_messages/${randomUUID()}`,
      {
        token: visitor.access_token,
        body: {
          content: 'macOS',
          attachment: {type: 'single_choice_response', selected_option: 'mac'},
        },
      }
    );
    assert.equal(answer.status, 200);
    const shown = (await state()).engagements[0] as unknown as {
      messages: {content: string; attachment?: unknown}[];
    };
    assert.deepEqual(shown.messages[2]?.attachment, {
      type: 'single_choice_response',
      selected_option: 'mac',
    });

    // Glia deleted the operator's file: listed as deleted, no longer served.
    const fileId = url.split('/').at(-1) ?? '';
    assert.equal((await call('POST', `/__sim/files/${fileId}/delete`)).status, 200);
    const gone = await sim.app.request(url, {
      headers: {authorization: `Bearer ${visitor.access_token}`},
    });
    assert.equal(gone.status, 404);
    const transcript = await call('GET', `/engagements/${engagement.id}/chat_transcript`, {
      token: visitor.access_token,
    });
    const first = (transcript.body as {attachment?: unknown}[])[0];
    assert.equal(
      readAttachment(first?.attachment)?.type === 'files' &&
        (readAttachment(first?.attachment) as {files: {deleted: boolean}[]}).files[0]?.deleted,
      true
    );
  });

  it('refuses bad control bodies without changing anything', async (t) => {
    const {sim, call, engaged, state} = files();
    t.after(() => sim.close());
    const {engagement} = await engaged();
    for (const body of [
      {content: ''},
      {
        content: 'x',
        attachment: {
          type: 'files',
          files: [{name: 'a', content_type: 'image/png', data_base64: '***'}],
        },
      },
      {content: 'x', attachment: {type: 'single_choice', options: []}},
      {
        content: 'x',
        attachment: {
          type: 'files',
          files: [{name: 'a', content_type: 'image/png', data_base64: '===='}],
        },
      },
    ]) {
      const r = await call('POST', `/__sim/engagements/${engagement.id}/messages`, {body});
      assert.equal(r.status, 422, JSON.stringify(body));
    }
    assert.equal((await state()).engagements[0]?.messages.length, 0);
  });
});
