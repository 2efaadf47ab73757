import {expect} from '@open-wc/testing';
import {createStore, set} from 'idb-keyval';
import {http, HttpResponse} from 'msw';
import type {GliaErrorEvent} from '../../../src/widget/events.js';
import {
  DB_NAME,
  STORE_NAME,
  sessionKey,
  type SessionRecord,
} from '../../../src/widget/store/stored-session.js';
import {fakeProxy, useFakeProxy, worker} from '../support/fake-proxy-setup.js';
import {GliaHandoffHarness} from '../support/glia-handoff-harness.js';
import {PROXY} from '../support/proxy-handlers.js';

const {operator} = fakeProxy;
const MESSAGES = `${PROXY}/handoff/sessions/:id/messages/:messageId`;

async function engagedChat(): Promise<GliaHandoffHarness> {
  const chat = await GliaHandoffHarness.mount();
  await chat.start('My VPN drops');
  operator.accept('Sam');
  await chat.waitFor(() => chat.status() === 'engaged', 'the agent to join');
  return chat;
}

const sent = (chat: GliaHandoffHarness) =>
  chat.transcript().filter((l) => l.from === 'visitor' && l.delivery === 'sent');

describe('<glia-handoff> resilience', () => {
  useFakeProxy();

  describe('a reload', () => {
    it('restores the open panel, the agent and every message in the first paint', async () => {
      const chat = await engagedChat();
      operator.say('Which client?');
      await chat.send('The blue one');
      await chat.waitFor(() => sent(chat).length === 1, 'the message to be confirmed');
      const before = chat.transcript();

      await chat.reload();
      // fixture() resolved after the first render: nothing may be missing from it.
      expect(chat.element.isOpen).to.equal(true);
      expect(chat.status()).to.equal('engaged');
      expect(chat.text('.subtitle')).to.equal('Chatting with Sam');
      expect(chat.transcript()).to.deep.equal(before);
      await expect(chat.element).to.be.accessible();

      operator.say('Try reinstalling it.');
      await chat.waitFor(() => chat.transcript().length === before.length + 1, 'the next message');
      expect(chat.transcript().filter((l) => l.text === 'Which client?')).to.have.length(1);
    });

    it('keeps an unsent draft', async () => {
      const chat = await engagedChat();
      chat.composer.value = 'half a thought';
      chat.composer.dispatchEvent(new InputEvent('input', {bubbles: true, composed: true}));
      await chat.reload();
      expect(chat.composer.value).to.equal('half a thought');
    });

    it('offers to send the question again when the tab closed while it was being sent, under the same start id', async () => {
      // What a tab that closed mid-request leaves: a start that no tab is making any more.
      const startId = '0a7c4e1e-5f0b-4c39-9d55-2b8f8a3f6c21';
      const record: SessionRecord = {
        rev: 1,
        session: {status: 'starting', description: 'The printer on floor 3 jams', startId},
        view: {open: true, draft: '', unread: 0},
      };
      await set(sessionKey(PROXY), record, createStore(DB_NAME, STORE_NAME));

      const chat = await GliaHandoffHarness.mount();
      await chat.waitFor(() => chat.status() === 'failed', 'the interrupted start to be shown');
      expect(chat.text('.card.error')).to.contain('The page was closed while your question');
      await chat.click(chat.button('Try again'));
      await chat.waitFor(() => chat.status() === 'queued', 'the ticket to be filed');
      // The proxy files one ticket per start id: had the first request got through, this is it.
      const [session] = [...fakeProxy.sessions.values()];
      expect(session?.request).to.include({description: 'The printer on floor 3 jams', startId});
    });

    it('keeps waiting in the queue without filing a second ticket', async () => {
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Printer');
      await chat.reload();
      expect(chat.status()).to.equal('queued');
      expect(fakeProxy.sessions.size).to.equal(1);
      operator.accept('Sam');
      await chat.waitFor(() => chat.status() === 'engaged', 'the agent to join');
    });
  });

  // Browsers keep Web Locks from pages served over plain http (an intranet often is).
  describe('on a page without Web Locks', () => {
    beforeEach(() => {
      Object.defineProperty(navigator, 'locks', {value: undefined, configurable: true});
    });
    afterEach(() => {
      delete (navigator as {locks?: unknown}).locks;
    });

    it('joins the agent, and keeps every message of both sides when they come at once', async () => {
      const chat = await engagedChat();
      operator.say('Which client?');
      operator.say('And which version?');
      await Promise.all([chat.send('The blue one'), chat.send('Version 5')]);
      await chat.waitFor(() => sent(chat).length === 2, 'both messages to be confirmed');
      const said = ['Which client?', 'And which version?', 'The blue one', 'Version 5'];
      const count = (text: string) => chat.transcript().filter((l) => l.text === text).length;
      await chat.waitFor(() => said.every((text) => count(text) > 0), 'all four messages');
      expect(said.map(count)).to.deep.equal([1, 1, 1, 1]);
      await chat.reload();
      expect(chat.status()).to.equal('engaged');
      expect(said.map(count)).to.deep.equal([1, 1, 1, 1]);
    });
  });

  describe('offline', () => {
    it('keeps messages written offline and delivers them in order, exactly once, when back', async () => {
      const chat = await engagedChat();
      await chat.goOffline();
      expect(chat.statusLine()).to.equal(
        'You are offline. Messages will be sent when you are back.'
      );
      await chat.send('one');
      await chat.send('two');
      await chat.send('three');
      expect(
        chat
          .transcript()
          .filter((l) => l.from === 'visitor' && l.id)
          .map((l) => l.delivery)
      ).to.deep.equal(['sending', 'sending', 'sending']);
      await expect(chat.element).to.be.accessible();

      chat.goOnline();
      await chat.waitFor(() => sent(chat).length === 3, 'all three to be delivered');
      expect(fakeProxy.visitorMessages().map((m) => m.text)).to.deep.equal(['one', 'two', 'three']);
      expect(sent(chat).map((l) => l.text)).to.deep.equal(['one', 'two', 'three']);
      expect(chat.element.matches(':state(offline)')).to.equal(false);
    });

    it('keeps each message on screen as the same node from sending to sent, while the agent talks', async () => {
      const chat = await engagedChat();
      await chat.goOffline();
      await chat.send('one');
      await chat.send('two');
      const nodes = () => {
        const lis = [...chat.root.querySelectorAll<HTMLElement>('li[data-id]')];
        const find = (text: string) => lis.filter((li) => li.textContent?.includes(text));
        return {one: find('one'), two: find('two')};
      };
      const before = nodes();
      operator.say('while you were away');
      chat.goOnline();
      await chat.waitFor(() => sent(chat).length === 2, 'both to be delivered');
      await chat.waitFor(
        () => chat.transcript().some((l) => l.text === 'while you were away'),
        "the agent's message"
      );
      // Confirmed messages move from the outbox to the log's items: the nodes move with them,
      // so the log announces each message once, and nothing shows twice.
      const after = nodes();
      expect(before.one).to.have.length(1);
      expect(before.two).to.have.length(1);
      expect(after.one).to.have.length(1);
      expect(after.two).to.have.length(1);
      expect(after.one[0]).to.equal(before.one[0]);
      expect(after.two[0]).to.equal(before.two[0]);
      // And in the order of the session's log, whichever arrived first.
      expect(
        chat
          .transcript()
          .slice(2)
          .map((l) => l.text)
      ).to.deep.equal(fakeProxy.latest().messages.map((m) => m.text));
    });

    it('survives a reload while offline and sends what was waiting once back', async () => {
      const chat = await engagedChat();
      await chat.goOffline();
      await chat.send('written offline');
      await chat.reload();
      expect(chat.transcript().at(-1)).to.include({text: 'written offline', delivery: 'sending'});
      chat.goOnline();
      await chat.waitFor(() => sent(chat).length === 1, 'the delivery');
      expect(fakeProxy.visitorMessages().map((m) => m.text)).to.deep.equal(['written offline']);
    });

    it('catches up on what the agent said while the connection was down, nothing lost or doubled', async () => {
      const chat = await engagedChat();
      operator.say('before');
      await chat.waitFor(() => chat.transcript().some((l) => l.text === 'before'), 'first message');
      await chat.goOffline();
      operator.say('while you were away');
      operator.say('and this');
      chat.goOnline();
      await chat.waitFor(
        () => chat.transcript().some((l) => l.text === 'and this'),
        'the catch-up'
      );
      expect(
        chat
          .transcript()
          .filter((l) => l.from === 'agent')
          .map((l) => l.text)
      ).to.deep.equal(['before', 'while you were away', 'and this']);
    });
  });

  describe('failed sends', () => {
    it('retries automatically with the same id after a server error', async () => {
      const chat = await engagedChat();
      worker.use(http.put(MESSAGES, () => new HttpResponse(null, {status: 502}), {once: true}));
      await chat.send('retry me');
      const id = chat.transcript().at(-1)?.id;
      await chat.waitFor(() => sent(chat).length === 1, 'the retry to succeed');
      expect(fakeProxy.visitorMessages()).to.have.length(1);
      expect(fakeProxy.visitorMessages()[0]?.id).to.equal(id);
    });

    it('marks a message failed after repeated errors, and Retry sends it with the same id', async () => {
      const chat = await engagedChat();
      worker.use(
        http.put(MESSAGES, () =>
          HttpResponse.json(
            {error: {code: 'glia-unavailable', message: 'Glia is not answering.'}},
            {status: 500}
          )
        )
      );
      await chat.send('stubborn');
      await chat.waitFor(() => chat.transcript().at(-1)?.delivery === 'failed', 'failed', 8000);
      const id = chat.transcript().at(-1)?.id;
      expect(chat.alertText()).to.equal('Glia is not answering.');
      await expect(chat.element).to.be.accessible();

      worker.resetHandlers();
      await chat.click(chat.button('Retry'));
      await chat.waitFor(() => sent(chat).length === 1, 'the manual retry');
      expect(fakeProxy.visitorMessages().map((m) => m.id)).to.deep.equal([id]);
      expect(chat.transcript().filter((l) => l.text === 'stubborn')).to.have.length(1);
    });
  });

  describe('a broken stream or session', () => {
    it('reports a frame that breaks the contract and keeps the chat going', async () => {
      const chat = await engagedChat();
      const errors: string[] = [];
      chat.element.addEventListener('glia-error', (e: GliaErrorEvent) =>
        errors.push(e.problem.code)
      );
      operator.badFrame('{"type":"message","message":{"text":"no id"}}');
      operator.say('still here');
      await chat.waitFor(
        () => chat.transcript().some((l) => l.text === 'still here'),
        'next message'
      );
      expect(errors).to.deep.equal(['invalid-event']);
    });

    it('shows an error the proxy sends mid-chat with its hint', async () => {
      const chat = await engagedChat();
      operator.error({
        code: 'glia-slow',
        message: 'Messages are delayed.',
        hint: 'They will arrive.',
      });
      await chat.waitFor(() => chat.has('.banner'), 'the banner');
      expect(chat.text('.banner')).to.equal('Messages are delayed. They will arrive.');
      expect(chat.alertText()).to.equal('Messages are delayed.');
      await chat.click(chat.button('Dismiss'));
      await chat.waitFor(() => !chat.has('.banner'), 'the banner to go');
    });

    it('offers a new chat when the proxy no longer knows the session', async () => {
      const chat = await engagedChat();
      await chat.close();
      fakeProxy.sessions.clear();
      await chat.reload();
      await chat.open();
      await chat.waitFor(() => chat.status() === 'failed', 'the lost session');
      await chat.click(chat.button('Start a new chat'));
      await chat.waitFor(() => chat.has('form.prechat'), 'the pre-chat form');
      await chat.start('The VPN still drops');
      expect(chat.status()).to.equal('queued');
      expect(fakeProxy.sessions.size).to.equal(1, 'a new session on the proxy');
    });
  });
});
