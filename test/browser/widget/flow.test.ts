import {expect, oneEvent} from '@open-wc/testing';
import type {
  GliaMessageEvent,
  GliaOpenChangeEvent,
  GliaStatusChangeEvent,
} from '../../../src/widget/events.js';
import {fakeProxy, useFakeProxy} from '../support/fake-proxy-setup.js';
import {GliaHandoffHarness} from '../support/glia-handoff-harness.js';

const {operator} = fakeProxy;

describe('<glia-handoff> flow', () => {
  useFakeProxy();

  describe('before a chat', () => {
    it('shows only a labelled launcher until the person opens it', async () => {
      const chat = await GliaHandoffHarness.mount();
      expect(chat.launcher.getAttribute('aria-label')).to.equal('Chat with support');
      expect(chat.launcher.getAttribute('aria-expanded')).to.equal('false');
      expect(chat.has('[part~="panel"]')).to.equal(false);
      await expect(chat.element).to.be.accessible();
    });

    it('opens on the pre-chat, focused on the description, with the name and email the page gave', async () => {
      const chat = await GliaHandoffHarness.mount({
        name: 'Jordan Lee',
        email: 'jordan@example.com',
      });
      await chat.open();
      expect(chat.launcher.getAttribute('aria-expanded')).to.equal('true');
      expect(chat.focused?.id).to.equal('description');
      expect(chat.find<HTMLInputElement>('#name').value).to.equal('Jordan Lee');
      expect(chat.find<HTMLInputElement>('#email').value).to.equal('jordan@example.com');
      await expect(chat.element).to.be.accessible();
    });

    it('tells the person the agent will see the assistant conversation', async () => {
      const chat = await GliaHandoffHarness.mount({
        context: {
          transcript: [
            {from: 'bot', text: 'Have you restarted?'},
            {from: 'visitor', text: 'Yes'},
          ],
        },
      });
      await chat.open();
      expect(chat.text('.note')).to.contain('conversation with the assistant (2 messages)');
    });

    it('closes with Escape and gives focus back to the launcher', async () => {
      const chat = await GliaHandoffHarness.mount();
      await chat.open();
      await chat.press(chat.find('#description'), 'Escape');
      expect(chat.element.isOpen).to.equal(false);
      expect(chat.focused).to.equal(chat.launcher);
    });

    it('opens and closes through its methods, announcing glia-open-change', async () => {
      const chat = await GliaHandoffHarness.mount();
      setTimeout(() => chat.element.open());
      const opened = (await oneEvent(
        chat.element,
        'glia-open-change'
      )) as unknown as GliaOpenChangeEvent;
      expect(opened.open).to.equal(true);
      expect(chat.element.hasAttribute('open')).to.equal(true);
      chat.element.close();
      await chat.element.updateComplete;
      expect(chat.element.hasAttribute('open')).to.equal(false);
    });
  });

  describe('from the pre-chat to the end', () => {
    it('queues, connects to an agent, exchanges messages and ends', async () => {
      const chat = await GliaHandoffHarness.mount({name: 'Jordan Lee'});
      await chat.start('My VPN drops every ten minutes');

      // Queued: a visible state, the time waited, the question, a way out.
      expect(chat.status()).to.equal('queued');
      expect(chat.element.matches(':state(queued)')).to.equal(true);
      expect(chat.text('[part="queue"] h3')).to.equal('Waiting for an agent');
      expect(chat.text('.waited')).to.match(/^Waited 0:0\d$/);
      expect(chat.text('blockquote')).to.equal('My VPN drops every ten minutes');
      expect(chat.focused?.textContent?.trim()).to.equal('Cancel');
      await expect(chat.element).to.be.accessible();

      // The agent joins: their name, a notice, the composer has focus.
      operator.accept('Sam');
      await chat.waitFor(() => chat.status() === 'engaged', 'the agent to join');
      expect(chat.text('.subtitle')).to.equal('Chatting with Sam');
      expect(chat.transcript()).to.deep.equal([
        {from: 'visitor', text: 'My VPN drops every ten minutes'},
        {from: 'notice', text: 'Sam joined the chat'},
      ]);
      expect(chat.focused).to.equal(chat.composer);

      // Typing, then messages both ways.
      operator.typing(true);
      await chat.waitFor(() => chat.statusLine() === 'Sam is typing…', 'the typing line');
      operator.say('Hi Jordan, which VPN client do you use?');
      await chat.send('The blue one');
      await chat.waitFor(
        () => chat.transcript().at(-1)?.delivery === 'sent',
        'the message to be confirmed'
      );
      expect(chat.statusLine()).to.equal('');
      expect(chat.transcript().map(({from, text}) => [from, text])).to.deep.equal([
        ['visitor', 'My VPN drops every ten minutes'],
        ['notice', 'Sam joined the chat'],
        ['agent', 'Hi Jordan, which VPN client do you use?'],
        ['visitor', 'The blue one'],
      ]);
      expect(chat.text('.msg.agent .who')).to.equal('Sam');
      expect(fakeProxy.visitorMessages().map((m) => m.text)).to.deep.equal(['The blue one']);
      await expect(chat.element).to.be.accessible();

      // The person ends it.
      await chat.end();
      expect(chat.text('[part="ended"] h3')).to.equal('You ended the conversation.');
      expect(fakeProxy.latest().status).to.equal('ended');
      await expect(chat.element).to.be.accessible();
    });

    it('hands the agent the description, the details and the page context with the ticket', async () => {
      const chat = await GliaHandoffHarness.mount({
        name: 'Jordan Lee',
        email: 'jordan@example.com',
        context: {
          transcript: [
            {from: 'bot', text: 'Did you restart?'},
            {from: 'visitor', text: 'Yes'},
          ],
          attributes: {page: 'VPN help', employeeId: 'E123'},
        },
      });
      await chat.start('VPN drops');
      const {startId, ...request} = fakeProxy.latest().request;
      expect(startId, 'a start id, so a repeated start files no second ticket').to.match(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
      );
      expect(request).to.deep.equal({
        description: 'VPN drops',
        name: 'Jordan Lee',
        email: 'jordan@example.com',
        transcript: [
          {from: 'bot', text: 'Did you restart?'},
          {from: 'visitor', text: 'Yes'},
        ],
        attributes: {page: 'VPN help', employeeId: 'E123'},
      });
    });

    it('can be cancelled while waiting, and says the request was cancelled', async () => {
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Printer jam');
      await chat.end();
      expect(chat.text('[part="ended"] h3')).to.equal(
        'You cancelled the request before an agent joined.'
      );
      // A chat that never started has no transcript to download.
      expect(() => chat.button('Download transcript')).to.throw();
      expect(chat.button('Start a new chat')).to.be.instanceOf(HTMLButtonElement);
    });

    it('says when the agent ended it, and offers a new chat and the transcript', async () => {
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Printer jam');
      operator.accept('Sam');
      operator.say('Fixed it remotely. Bye!');
      operator.end();
      await chat.waitFor(() => chat.status() === 'ended', 'the end');
      expect(chat.text('[part="ended"] h3')).to.equal('The agent ended the conversation.');
      expect(chat.has('.composer')).to.equal(false);
      expect(chat.button('Download transcript')).to.be.instanceOf(HTMLButtonElement);
      await chat.click(chat.button('Start a new chat'));
      await chat.waitFor(() => chat.status() === 'idle', 'a fresh pre-chat');
      await chat.element.updateComplete;
      expect(chat.focused?.id).to.equal('description');
    });

    it('names the new agent on a transfer and keeps earlier messages under the first name', async () => {
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Laptop is slow');
      operator.accept('Sam');
      operator.say('Passing you to hardware.');
      operator.transfer('Kim');
      operator.say('Hi, Kim here.');
      await chat.waitFor(() => chat.transcript().length === 5, 'five lines');
      expect(chat.text('.subtitle')).to.equal('Chatting with Kim');
      expect(chat.transcript()[3]).to.deep.equal({
        from: 'notice',
        text: 'You were transferred to Kim',
      });
      const names = [...chat.root.querySelectorAll('.msg.agent .who')].map((n) =>
        n.textContent?.trim()
      );
      expect(names).to.deep.equal(['Sam', 'Kim']);
    });

    it("shows when the ticket could not be served, in the proxy's words", async () => {
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Anyone there?');
      operator.fail('No agents are available right now. Try again during office hours.');
      await chat.waitFor(() => chat.status() === 'failed', 'the failure');
      expect(chat.text('[part="error"] p')).to.equal(
        'No agents are available right now. Try again during office hours.'
      );
      expect(chat.alertText()).to.contain('No agents are available');
      await expect(chat.element).to.be.accessible();
    });
  });

  describe('the composer', () => {
    it('sends on Enter and breaks the line on Shift+Enter', async () => {
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Question');
      operator.accept('Sam');
      await chat.waitFor(() => chat.status() === 'engaged', 'engaged');
      const field = chat.composer;
      field.value = 'first line';
      await chat.press(field, 'Enter', {shiftKey: true});
      expect(chat.transcript().filter((l) => l.from === 'visitor' && l.id)).to.deep.equal([]);
      field.value = 'first line\nsecond line';
      await chat.press(field, 'Enter');
      await chat.waitFor(
        () => chat.transcript().some((l) => l.from === 'visitor' && l.id),
        'the message'
      );
      expect(chat.transcript().at(-1)?.text).to.equal('first line\nsecond line');
      expect(field.value).to.equal('');
    });
  });

  describe('while the panel is closed', () => {
    it("counts the agent's new messages on the launcher and clears them on open", async () => {
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Question');
      operator.accept('Sam');
      await chat.waitFor(() => chat.status() === 'engaged', 'engaged');
      await chat.close();
      operator.say('Are you there?');
      operator.say('Hello?');
      await chat.waitFor(() => chat.has('[part="badge"]'), 'the badge');
      expect(chat.text('[part="badge"]')).to.equal('2');
      expect(chat.launcher.getAttribute('aria-label')).to.equal(
        'Chat with support, 2 unread messages'
      );
      await expect(chat.element).to.be.accessible();
      await chat.open();
      await chat.element.updateComplete;
      expect(chat.has('[part="badge"]')).to.equal(false);
    });
  });

  describe('events', () => {
    it('fires glia-status-change and glia-message as the chat goes on', async () => {
      const chat = await GliaHandoffHarness.mount();
      const statuses: string[] = [];
      const messages: string[] = [];
      chat.element.addEventListener('glia-status-change', (e: GliaStatusChangeEvent) =>
        statuses.push(e.status)
      );
      chat.element.addEventListener('glia-message', (e: GliaMessageEvent) =>
        messages.push(`${e.message.from}: ${e.message.text}`)
      );
      await chat.start('Question');
      operator.accept('Sam');
      operator.say('Hello');
      await chat.waitFor(() => messages.length === 1, 'the message event');
      expect(statuses).to.deep.equal(['starting', 'queued', 'engaged']);
      expect(messages).to.deep.equal(['operator: Hello']);
    });
  });
});
