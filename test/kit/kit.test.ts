// The kit's small pieces, as every part that waits or frames relies on them.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {backoffMs} from '../../src/kit/backoff.js';
import {clonePlain} from '../../src/kit/clone.js';
import {retryAfterMs} from '../../src/kit/retry-after.js';
import {createFrameParser, sseFrame, type Frame} from '../../src/kit/sse.js';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');

  it('reads delay-seconds and HTTP dates, never a negative wait', () => {
    assert.equal(retryAfterMs('120', now), 120_000);
    assert.equal(retryAfterMs('Wed, 02 Dec 2026 10:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Wed, 02 Dec 2026 09:00:00 GMT', now), 0);
  });

  it('treats an absent, blank or unreadable header as no advice', () => {
    for (const header of [null, undefined, '', '  ', 'soon']) {
      assert.equal(retryAfterMs(header, now), undefined, String(header));
    }
  });
});

describe('backoffMs', () => {
  it('doubles up to the ceiling, and equal jitter keeps each wait in its upper half', () => {
    const options = {baseMs: 100, maxMs: 1000};
    assert.deepEqual(
      [0, 1, 2, 3, 4, 10].map((n) => backoffMs(n, {...options, random: () => 0})),
      [50, 100, 200, 400, 500, 500]
    );
    assert.equal(backoffMs(2, {...options, random: () => 0.999999}), 400);
  });

  it('without jitter, waits exactly the schedule', () => {
    const waits = [0, 1, 2, 3].map((n) =>
      backoffMs(n, {baseMs: 500, maxMs: 60_000, jitter: 'none'})
    );
    assert.deepEqual(waits, [500, 1000, 2000, 4000]);
  });
});

describe('SSE framing', () => {
  it('what the proxy writes, the widget reads back, in any chunking', () => {
    const text = sseFrame(7, 'message', '{"a":1}') + ': ping\n\n' + sseFrame(8, 'typing', '{}');
    for (const size of [1, 3, text.length]) {
      const frames: Frame[] = [];
      const feed = createFrameParser((frame) => frames.push(frame));
      for (let i = 0; i < text.length; i += size) feed(text.slice(i, i + size));
      assert.deepEqual(frames, [
        {id: '7', event: 'message', data: '{"a":1}'},
        {id: '8', event: 'typing', data: '{}'},
      ]);
    }
  });
});

describe('clonePlain', () => {
  it('copies plain data all the way down: changing the copy leaves the original as it was', () => {
    const record = {
      id: 's1',
      version: 3,
      operator: null,
      reason: undefined,
      uploads: [{id: 'u1', sent: false, size: 10}],
      early: [{payload: {message: {content: 'hi', attachment: {files: [{id: 'f'}]}}}}],
    };
    const copy = clonePlain(record);
    assert.deepEqual(copy, record);
    assert.ok('reason' in copy, 'an undefined field stays a field');
    (copy.uploads[0] as {sent: boolean}).sent = true;
    copy.early[0]!.payload.message.attachment.files.push({id: 'g'});
    assert.equal(record.uploads[0]?.sent, false);
    assert.equal(record.early[0]?.payload.message.attachment.files.length, 1);
  });

  it("keeps a parsed `__proto__` key as data, never as the copy's prototype", () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<
      string,
      unknown
    >;
    const copy = clonePlain(parsed);
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.equal((copy as {polluted?: boolean}).polluted, undefined);
    assert.deepEqual(Object.keys(copy), ['__proto__', 'a']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value, {polluted: true});
  });
});
