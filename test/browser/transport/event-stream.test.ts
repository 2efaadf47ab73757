import {expect, waitUntil} from '@open-wc/testing';
import {createFrameParser, type Frame} from '../../../src/kit/sse.js';
import {
  EventStream,
  parseFrame,
  type FrameResult,
} from '../../../src/widget/transport/event-stream.js';
import type {Link} from '../../../src/widget/store/session-state.js';

function parseAll(...chunks: string[]): Frame[] {
  const frames: Frame[] = [];
  const feed = createFrameParser((frame) => frames.push(frame));
  chunks.forEach(feed);
  return frames;
}

const typing = (on: boolean) => JSON.stringify({type: 'typing', typing: on});

describe('createFrameParser', () => {
  it('reads id, event and data of a frame', () => {
    expect(parseAll(`id: 7\nevent: typing\ndata: ${typing(true)}\n\n`)).to.deep.equal([
      {id: '7', event: 'typing', data: typing(true)},
    ]);
  });

  it('joins a frame split across chunks at any byte', () => {
    const text = `id: 1\ndata: ${typing(true)}\n\nid: 2\ndata: ${typing(false)}\n\n`;
    for (let cut = 1; cut < text.length; cut++) {
      const frames = parseAll(text.slice(0, cut), text.slice(cut));
      expect(
        frames.map((f) => f.id),
        `cut at ${cut}`
      ).to.deep.equal(['1', '2']);
    }
  });

  it('accepts CRLF and CR line endings, even with the CRLF split between chunks', () => {
    expect(parseAll('id: 1\r\ndata: a\r', '\n\r\nid: 2\rdata: b\r\r\n')).to.deep.equal([
      {id: '1', event: 'message', data: 'a'},
      {id: '2', event: 'message', data: 'b'},
    ]);
  });

  it('joins multi-line data with line breaks and skips heartbeat comments', () => {
    expect(parseAll(': ping\n\ndata: one\ndata: two\n\n: ping\n\n')).to.deep.equal([
      {id: null, event: 'message', data: 'one\ntwo'},
    ]);
  });
});

describe('parseFrame', () => {
  it('turns a valid frame into a ChatEvent', () => {
    expect(parseFrame({id: '3', event: 'typing', data: typing(true)})).to.deep.equal({
      ok: true,
      id: '3',
      event: {type: 'typing', typing: true},
    });
  });

  it('reports a frame that is not JSON, or not a ChatEvent, instead of throwing', () => {
    const notJson = parseFrame({id: '4', event: 'message', data: '<html>'});
    const unknown = parseFrame({id: '5', event: 'x', data: '{"type":"surprise"}'});
    expect(notJson).to.include({ok: false, id: '4'});
    expect(unknown).to.include({ok: false, id: '5'});
  });
});

/**
 * A scripted stand-in for the proxy's events route. It records what each request carried, for the
 * test to assert afterwards: an assertion in here would be caught by the stream's reconnect logic
 * and show only as a timeout.
 */
function scriptedFetch(answers: Array<(headers: Headers) => Response | Promise<Response>>) {
  /** Each request's Last-Event-ID. */
  const seen: Array<string | null> = [];
  /** Each request's Authorization. */
  const authorizations: Array<string | null> = [];
  const fetcher = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    seen.push(headers.get('Last-Event-ID'));
    authorizations.push(headers.get('Authorization'));
    const answer = answers.shift();
    if (!answer) return new Promise<Response>(() => undefined);
    return answer(headers);
  }) as typeof fetch;
  return {fetcher, seen, authorizations};
}

const streamOf = (text: string) =>
  new Response(text, {headers: {'Content-Type': 'text/event-stream'}});

describe('EventStream', () => {
  let stream: EventStream | undefined;
  afterEach(() => stream?.close());

  it('sends the bearer token and resumes after the last event id when the stream drops', async () => {
    const results: FrameResult[] = [];
    const {fetcher, seen, authorizations} = scriptedFetch([
      () => streamOf(`id: 4\ndata: ${typing(true)}\n\nid: 5\ndata: ${typing(false)}\n\n`),
      () => streamOf(`id: 6\ndata: ${typing(true)}\n\n`),
    ]);
    stream = new EventStream({
      url: 'https://proxy.test/handoff/sessions/s1/events',
      token: 'secret-token',
      lastEventId: '3',
      fetcher,
      onFrame: (r) => results.push(r),
      onLink: () => undefined,
      onOpen: () => undefined,
      onGone: () => undefined,
    });
    await waitUntil(() => results.length === 3, 'three frames', {timeout: 4000});
    expect(seen.slice(0, 2)).to.deep.equal(['3', '5']);
    expect(authorizations.slice(0, 2)).to.deep.equal([
      'Bearer secret-token',
      'Bearer secret-token',
    ]);
    expect(results.map((r) => r.id)).to.deep.equal(['4', '5', '6']);
  });

  it('keeps going after a bad frame and reports it', async () => {
    const results: FrameResult[] = [];
    const {fetcher} = scriptedFetch([
      () => streamOf(`id: 1\ndata: {oops\n\nid: 2\ndata: ${typing(true)}\n\n`),
    ]);
    stream = new EventStream({
      url: 'https://proxy.test/e',
      token: 't',
      lastEventId: null,
      fetcher,
      onFrame: (r) => results.push(r),
      onLink: () => undefined,
      onOpen: () => undefined,
      onGone: () => undefined,
    });
    await waitUntil(() => results.length === 2, 'both frames');
    expect(results.map((r) => r.ok)).to.deep.equal([false, true]);
  });

  it('says the service is down when the proxy cannot be reached online, and live again once it can', async () => {
    const links: Link[] = [];
    const {fetcher} = scriptedFetch([
      () => {
        throw new TypeError('Failed to fetch');
      },
      () => streamOf(''),
    ]);
    stream = new EventStream({
      url: 'https://proxy.test/e',
      token: 't',
      lastEventId: null,
      fetcher,
      onFrame: () => undefined,
      onLink: (link) => links.push(link),
      onOpen: () => undefined,
      onGone: () => undefined,
    });
    await waitUntil(() => links.includes('down'), 'down');
    expect(links).not.to.include('offline');
    dispatchEvent(new Event('online'));
    await waitUntil(() => links.includes('live'), 'live again', {timeout: 500});
  });

  it('says offline, not down, once the browser reports the network gone', async () => {
    const links: Link[] = [];
    const {fetcher} = scriptedFetch([
      // A request in flight that fails the way Chromium fails it when the network goes.
      () =>
        new Promise<Response>((_, reject) =>
          addEventListener('offline', () => reject(new TypeError('Failed to fetch')), {
            once: true,
          })
        ),
      () => streamOf(''),
    ]);
    stream = new EventStream({
      url: 'https://proxy.test/e',
      token: 't',
      lastEventId: null,
      fetcher,
      onFrame: () => undefined,
      onLink: (link) => links.push(link),
      onOpen: () => undefined,
      onGone: () => undefined,
    });
    dispatchEvent(new Event('offline'));
    await waitUntil(() => links.length >= 2, 'the failed request');
    expect(new Set(links)).to.deep.equal(new Set(['offline']));
    dispatchEvent(new Event('online'));
    await waitUntil(() => links.includes('live'), 'live again', {timeout: 2500});
    expect(links).not.to.include('down');
  });

  it('stops for good when the proxy no longer knows the session', async () => {
    let gone = 0;
    const {fetcher, seen} = scriptedFetch([() => new Response(null, {status: 404})]);
    stream = new EventStream({
      url: 'https://proxy.test/e',
      token: 't',
      lastEventId: null,
      fetcher,
      onFrame: () => undefined,
      onLink: () => undefined,
      onOpen: () => undefined,
      onGone: (status) => (gone = status),
    });
    await waitUntil(() => gone === 404, 'gone');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(seen.length).to.equal(1);
  });
});
