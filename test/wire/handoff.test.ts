import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
  ChatEvent,
  LIMITS,
  StartSessionRequest,
  cleanLine,
  cleanText,
} from '../../src/wire/handoff/index.js';

describe('wire/handoff', () => {
  it('cleans text of every bidi control and control character, keeping newlines and tabs only in several-line text', () => {
    const bidi = [
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u202E',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
    ];
    const controls = ['\u0000', '\u0007', '\u001B', '\u007F', '\u0085', '\u009F'];
    const dirty = `a${bidi.join('')}b${controls.join('')}c\nd\te`;
    assert.equal(cleanText(dirty), 'abc\nd\te');
    assert.equal(cleanLine(dirty), 'abc d e');
    assert.equal(cleanText('line one\r\nline two'), 'line one\nline two');
    // Text in right-to-left scripts and emoji are left alone.
    assert.equal(cleanText('مرحبا 👋 שלום'), 'مرحبا 👋 שלום');
  });

  it('accepts a start request with only a description, trimmed', () => {
    const parsed = StartSessionRequest.parse({description: '  VPN drops every hour  '});
    assert.equal(parsed.description, 'VPN drops every hour');
  });

  it('rejects an empty description, an unknown field and a malformed email', () => {
    assert.equal(StartSessionRequest.safeParse({description: '   '}).success, false);
    assert.equal(StartSessionRequest.safeParse({description: 'x', admin: true}).success, false);
    assert.equal(StartSessionRequest.safeParse({description: 'x', email: 'nope'}).success, false);
  });

  it('rejects a description over the limit', () => {
    const description = 'a'.repeat(LIMITS.descriptionLength + 1);
    assert.equal(StartSessionRequest.safeParse({description}).success, false);
  });

  it('parses each chat event type and rejects unknown types and extra keys', () => {
    const message = {id: 'm1', from: 'operator', text: 'Hi', at: '2026-11-25T10:00:00Z'};
    for (const event of [
      {type: 'status', status: 'engaged'},
      {type: 'message', message},
      {type: 'typing', typing: true},
      {type: 'operator', operator: {name: 'Ada'}, change: 'joined'},
      {type: 'ended', by: 'operator'},
      {type: 'error', error: {code: 'x', message: 'y'}},
    ]) {
      assert.deepEqual(ChatEvent.parse(event), event);
    }
    assert.equal(ChatEvent.safeParse({type: 'gossip'}).success, false);
    assert.equal(ChatEvent.safeParse({type: 'typing', typing: true, secret: 'x'}).success, false);
  });
});
