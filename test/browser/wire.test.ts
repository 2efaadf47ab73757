import {expect} from '@open-wc/testing';
import {ChatEvent, StartSessionRequest} from '../../src/wire/handoff/index.js';

describe('wire/handoff in the browser', () => {
  it('parses a message event with zod/mini', () => {
    const event = {
      type: 'message',
      message: {id: 'm1', from: 'operator', text: 'Hello', at: '2026-11-25T10:00:00Z'},
    };
    expect(ChatEvent.parse(event)).to.deep.equal(event);
  });

  it('rejects a start request without a description', () => {
    expect(StartSessionRequest.safeParse({}).success).to.equal(false);
  });
});
