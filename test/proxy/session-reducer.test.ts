/**
 * The session reducer alone: plain records in, plain records and events out, nothing changed in
 * place; a transcript entry without an id is the same message as the webhook that had one.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {messageKeys, reduce} from '../../src/proxy/sessions/session-reducer.js';
import {SessionRecord, hashSecret, newRecord} from '../../src/proxy/sessions/session-record.js';

const VISITOR = '11111111-1111-4111-8111-111111111111';
const ENGAGEMENT = '22222222-2222-4222-8222-222222222222';
const MESSAGE = '33333333-3333-4333-8333-333333333333';

function engaged() {
  const record = newRecord({
    id: 's',
    tokenHash: hashSecret('t'),
    webhookSecretHash: hashSecret('w'),
    createdAt: 0,
    queueId: 'q',
  });
  const withVisitor = reduce(record, {
    type: 'visitor-created',
    visitor: {id: VISITOR, sealedToken: 'sealed'},
  }).record;
  return reduce(withVisitor, {
    type: 'webhook',
    payload: {event_type: 'engagement.start', engagement: {id: ENGAGEMENT, visitor_id: VISITOR}},
    operator: {name: 'Alex Rivera'},
    at: 0,
  });
}

describe('the session reducer', () => {
  it("refuses a visitor message under an id that is the agent's, by the log or by Glia's answer", () => {
    const {record} = engaged();
    const message = {id: MESSAGE, from: 'visitor' as const, text: 'hi', at: 'now'};
    for (const facts of [
      {logged: ['operator' as const]},
      {logged: [], gliaSender: 'operator'},
      {logged: ['system' as const], gliaSender: 'visitor'},
    ]) {
      const out = reduce(record, {type: 'visitor-message', message, ...facts});
      assert.equal(out.outcome, 'taken', JSON.stringify(facts));
      assert.deepEqual(out.events, []);
      assert.deepEqual(out.record, record);
    }
    // The visitor's own id again (a retry after a crash) is still theirs.
    const again = reduce(record, {
      type: 'visitor-message',
      message,
      logged: ['visitor'],
      gliaSender: 'visitor',
    });
    assert.equal(again.outcome, 'applied');
    assert.equal(again.events.length, 1);
  });

  it('gives serialisable records and leaves its input alone', () => {
    const start = engaged();
    assert.equal(start.record.status, 'engaged');
    assert.deepEqual(
      start.events.map((e) => e.event.type),
      ['operator', 'status']
    );
    const before = structuredClone(start.record);
    const ended = reduce(start.record, {type: 'left', by: 'visitor', endOnStart: false});
    assert.deepEqual(start.record, before);
    assert.equal(ended.record.status, 'ended');
    assert.deepEqual(SessionRecord.parse(JSON.parse(JSON.stringify(ended.record))), ended.record);
  });

  it('leaves a frozen record as it was through uploads, scans, answers and early deliveries', () => {
    const deepFreeze = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null) {
        Object.freeze(value);
        Object.values(value).forEach(deepFreeze);
      }
      return value;
    };
    /** Reduces a frozen copy of `record`: a change in place throws, and the input is compared after. */
    const step = (record: SessionRecord, input: Parameters<typeof reduce>[1]) => {
      const frozen = deepFreeze(structuredClone(record));
      const before = structuredClone(record);
      const out = reduce(frozen, input);
      assert.deepEqual(frozen, before, input.type);
      return out.record;
    };
    const upload = {
      id: 'u1',
      name: 'a.png',
      size: 1,
      contentType: 'image/png',
      status: 'uploading' as const,
      sent: false,
      at: 0,
    };
    let record = step(engaged().record, {type: 'upload-started', upload, staleBefore: 0});
    record = step(record, {
      type: 'upload-stored',
      id: 'u1',
      at: 0,
      size: 1,
      fileId: 'f1',
      scanning: true,
    });
    record = step(record, {type: 'file-scanned', fileId: 'f1', clean: true});
    assert.equal(record.uploads[0]?.status, 'ready');
    record = step(record, {
      type: 'webhook',
      payload: {
        event_type: 'engagement.chat.message',
        message: {
          id: 'q1',
          engagement_id: ENGAGEMENT,
          content: 'Which one?',
          target: 'visitor',
          sender: {type: 'operator'},
          attachment: {
            type: 'single_choice',
            options: [{text: 'A', value: 'a'}],
          },
        },
      },
      at: 0,
    });
    assert.equal(record.questions.length, 1, 'the question is kept');
    record = step(record, {
      type: 'visitor-message',
      message: {
        id: MESSAGE,
        from: 'visitor',
        text: 'A',
        at: 'now',
        files: [{id: 'u1', name: 'a.png', contentType: 'image/png'}],
        answer: {messageId: 'q1', value: 'a'},
      },
      logged: [],
    });
    assert.equal(record.uploads[0]?.sent, true);
    assert.equal(record.questions[0]?.answered, 'a');
    // A delivery for an engagement that has not started here is kept for later.
    const waiting = newRecord({
      id: 's2',
      tokenHash: 'a',
      webhookSecretHash: 'b',
      createdAt: 0,
      queueId: 'q',
    });
    const held = step(waiting, {
      type: 'webhook',
      payload: {
        event_type: 'engagement.chat.message',
        message: {content: 'early', engagement_id: ENGAGEMENT, target: 'visitor'},
      },
      at: 0,
    });
    assert.equal(held.early.length, 1);
  });

  it('asks for the engagement to end when it starts after the visitor left', () => {
    const record = newRecord({
      id: 's',
      tokenHash: 'a',
      webhookSecretHash: 'b',
      createdAt: 0,
      queueId: 'q',
    });
    const waiting = reduce(record, {
      type: 'visitor-created',
      visitor: {id: VISITOR, sealedToken: 'x'},
    }).record;
    const left = reduce(waiting, {type: 'left', by: 'visitor', endOnStart: true}).record;
    const started = reduce(left, {
      type: 'webhook',
      payload: {event_type: 'engagement.start', engagement: {id: ENGAGEMENT, visitor_id: VISITOR}},
      at: 0,
    });
    assert.deepEqual(started.effects, [{type: 'end-engagement', engagementId: ENGAGEMENT}]);
    assert.deepEqual(started.events, []);
  });

  it('keys an id-less transcript entry like the webhook of the same message', () => {
    const {record} = engaged();
    const webhook = reduce(record, {
      type: 'webhook',
      payload: {
        event_type: 'engagement.chat.message',
        message: {
          id: MESSAGE,
          engagement_id: ENGAGEMENT,
          content: 'Hello',
          target: 'visitor',
          sender: {type: 'operator'},
          timestamp: '2026-11-25T10:00:00.734Z',
        },
      },
      at: 0,
    });
    const transcript = reduce(record, {
      type: 'transcript',
      messages: [{from: 'operator', text: 'Hello', at: '2026-11-25T10:00:00Z'}],
    });
    const webhookKeys = webhook.events[0]?.onceKeys ?? [];
    const transcriptKeys = transcript.events[0]?.onceKeys ?? [];
    assert.ok(transcriptKeys.length > 0);
    assert.ok(transcriptKeys.some((key) => webhookKeys.includes(key)));
    assert.notDeepEqual(
      messageKeys(ENGAGEMENT, 'k', {from: 'operator', text: 'Hello', at: '2026-11-25T10:00:01Z'}),
      transcriptKeys,
      'another second is another message'
    );
    // Kept for the session's life: a long message is not kept a second time in its key.
    const long = messageKeys(ENGAGEMENT, 'k', {from: 'operator', text: 'x'.repeat(4000), at: '0'});
    assert.ok(long.every((key) => key.length < 64));
    assert.notDeepEqual(
      long,
      messageKeys(ENGAGEMENT, 'k', {from: 'operator', text: 'x'.repeat(3999), at: '0'})
    );
  });
});
