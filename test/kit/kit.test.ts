// The kit's small pieces, as every part that waits or frames relies on them.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {backoffMs} from '../../src/kit/backoff.js';
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
