/**
 * What a person notices on a walk through the widget: the send icon in right-to-left layouts,
 * where focus goes around "End chat", their question at the top of the conversation, a draft
 * kept through a quick reload, one clear sentence per state in every locale, a long wait, and
 * the three ways a chat can lose its connection (offline, service down, session gone).
 */
import {expect} from '@open-wc/testing';
import {http, HttpResponse} from 'msw';
import {SessionStore} from '../../../src/widget/store/session-store.js';
import english from '../../../src/widget/locales/en.js';
import {loadStrings} from '../../../src/widget/strings.js';
import {fakeProxy, useFakeProxy, worker} from '../support/fake-proxy-setup.js';
import {GliaHandoffHarness, type MountOptions} from '../support/glia-handoff-harness.js';
import {PROXY} from '../support/proxy-handlers.js';

const {operator} = fakeProxy;

async function engagedChat(options: MountOptions = {}, question = 'My VPN drops') {
  const chat = await GliaHandoffHarness.mount(options);
  await chat.start(question);
  operator.accept('Sam');
  await chat.waitFor(() => chat.status() === 'engaged', 'the agent to join');
  return chat;
}

const inside = (inner: DOMRect, outer: DOMRect) =>
  inner.width > 0 &&
  inner.left >= outer.left - 0.5 &&
  inner.right <= outer.right + 0.5 &&
  inner.top >= outer.top - 0.5 &&
  inner.bottom <= outer.bottom + 0.5;

/** The panel's visible words, one space between each. */
const panelText = (chat: GliaHandoffHarness) =>
  [...chat.root.querySelectorAll<HTMLElement>('.panel *:not(.sr-only)')]
    .flatMap((el) => [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE))
    .map((n) => n.textContent!.trim())
    .filter(Boolean);

const occurrences = (chat: GliaHandoffHarness, text: string) =>
  panelText(chat).filter((t) => t === text).length;

describe('<glia-handoff> as a person walks through it', () => {
  useFakeProxy();

  describe('the send button in right-to-left layouts', () => {
    for (const options of [{locale: 'ar'}, {dir: 'rtl'}] as const) {
      it(`keeps its icon inside the button (${JSON.stringify(options)})`, async () => {
        const chat = await engagedChat('locale' in options ? options : {});
        if ('dir' in options) {
          chat.element.dir = 'rtl';
          await chat.element.updateComplete;
        }
        const button = chat.find('[part="send-button"]');
        const path = chat.find('[part="send-button"] path');
        expect(getComputedStyle(path).transform).not.to.equal('none');
        expect(inside(path.getBoundingClientRect(), button.getBoundingClientRect())).to.equal(
          true,
          'the mirrored arrow lies within its button'
        );
      });
    }
  });

  describe('focus around "End chat"', () => {
    it('goes into the confirmation, and back to "End chat" on Escape or "Keep chatting"', async () => {
      const chat = await engagedChat();
      await chat.click(chat.button('End chat'));
      expect(chat.find('.confirm').contains(chat.focused)).to.equal(true);
      expect(chat.focused?.textContent?.trim()).to.equal('Keep chatting');
      expect(document.activeElement).to.equal(chat.element);

      await chat.press(chat.focused as HTMLElement, 'Escape');
      expect(chat.has('.confirm')).to.equal(false);
      expect(chat.focused).to.equal(chat.button('End chat'));
      expect(chat.element.isOpen).to.equal(true, 'Escape closed the question, not the panel');

      await chat.click(chat.button('End chat'));
      await chat.click(chat.button('Keep chatting'));
      expect(chat.focused).to.equal(chat.button('End chat'));

      await chat.click(chat.button('End chat'));
      await chat.click(chat.button('End'));
      await chat.waitFor(() => chat.status() === 'ended', 'the end');
      await chat.element.updateComplete;
      expect(chat.focused?.textContent?.trim()).to.equal('Start a new chat');
      expect(document.activeElement).not.to.equal(document.body);
    });
  });

  describe("the visitor's question", () => {
    it('opens the conversation once an agent joins, and after a reload', async () => {
      const chat = await engagedChat({}, 'The VPN drops every ten minutes');
      operator.say('Hi! Which gateway?');
      await chat.waitFor(() => chat.transcript().length === 3, 'the first answer');
      expect(chat.transcript().slice(0, 2)).to.deep.equal([
        {from: 'visitor', text: 'The VPN drops every ten minutes'},
        {from: 'notice', text: 'Sam joined the chat'},
      ]);
      await chat.reload();
      expect(chat.transcript()[0]).to.deep.equal({
        from: 'visitor',
        text: 'The VPN drops every ten minutes',
      });
      await expect(chat.element).to.be.accessible();
    });

    it('opens it the same way when the page called start(description)', async () => {
      const chat = await GliaHandoffHarness.mount({open: true});
      await chat.element.start('Printer on floor 3 is jammed');
      operator.accept('Kim');
      await chat.waitFor(() => chat.status() === 'engaged', 'the agent to join');
      expect(chat.transcript()[0]).to.deep.equal({
        from: 'visitor',
        text: 'Printer on floor 3 is jammed',
      });
      expect(fakeProxy.latest().request.description).to.equal('Printer on floor 3 is jammed');
    });
  });

  describe('a draft and a quick reload', () => {
    const stored = async () => {
      const store = new SessionStore(PROXY);
      const {view} = await store.restore();
      store.dispose();
      return view.draft;
    };
    const type = (chat: GliaHandoffHarness, text: string) => {
      chat.composer.value = text;
      chat.composer.dispatchEvent(new InputEvent('input', {bubbles: true, composed: true}));
    };

    it('is stored as it is typed, with no delay to lose it in', async () => {
      const chat = await engagedChat();
      type(chat, 'half a thought');
      // Read back at once, behind the widget's own write: no timer has run in between.
      expect(await stored()).to.equal('half a thought');
    });

    it('writes what is still waiting when the page is hidden away (pagehide)', async () => {
      const chat = await engagedChat();
      type(chat, 'half');
      type(chat, 'half a thought, and more');
      dispatchEvent(new PageTransitionEvent('pagehide'));
      expect(await stored()).to.equal('half a thought, and more');
      sessionStorage.clear();
    });

    it('takes back the draft that the last pagehide kept in this tab, over an older stored one', async () => {
      const chat = await engagedChat();
      type(chat, 'an older draft');
      await chat.close();
      sessionStorage.setItem(`glia-handoff:draft:${PROXY}`, 'the newest words');
      await chat.reload();
      await chat.open();
      expect(chat.composer.value).to.equal('the newest words');
      expect(sessionStorage.getItem(`glia-handoff:draft:${PROXY}`)).to.equal(null);
    });
  });

  describe('the words of each state', () => {
    it('says "Waiting for an agent" once while queued', async () => {
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Printer jam');
      expect(occurrences(chat, 'Waiting for an agent')).to.equal(1);
      expect(chat.text('.subtitle')).to.equal('');
    });

    it('says "You ended the conversation." once, with what to do next', async () => {
      const chat = await engagedChat();
      await chat.end();
      expect(occurrences(chat, 'You ended the conversation.')).to.equal(1);
      expect(chat.text('[part="ended"] p')).to.equal(
        'You can start a new chat whenever you need help.'
      );
      expect(chat.button('Download transcript')).to.be.instanceOf(HTMLButtonElement);
    });

    it('has every sentence in Finnish and Arabic too', async () => {
      const keys = Object.keys(english) as (keyof typeof english)[];
      // A table of functions (refused[why]) compares by their source too.
      const source = (_key: string, value: unknown) =>
        typeof value === 'function' ? String(value) : value;
      const shown = (value: unknown) => JSON.stringify(source('', value), source);
      for (const locale of ['fi', 'ar']) {
        const strings = await loadStrings(locale);
        const same = keys.filter((key) => shown(strings[key]) === shown(english[key]));
        expect(same, `${locale} strings still in English`).to.deep.equal([]);
      }
    });
  });

  describe("the queue's usual wait", () => {
    it("shows Glia's average wait as an estimate beside the time waited", async () => {
      fakeProxy.estimatedWaitSeconds = 130;
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Printer jam');
      expect(chat.find('.estimate').textContent?.trim()).to.equal(
        'Usually answered within about 2 minutes'
      );
      expect(chat.find('.waited').textContent?.trim()).to.match(/^Waited /);
      await expect(chat.element).to.be.accessible();
    });

    it('says nothing about it when Glia reports none', async () => {
      fakeProxy.estimatedWaitSeconds = undefined;
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Printer jam');
      expect(chat.find('.waited').textContent?.trim()).to.match(/^Waited /);
      expect(chat.element.shadowRoot?.querySelector('.estimate')).to.equal(null);
    });
  });

  describe('a long wait', () => {
    for (const [waited, shown] of [
      [20 * 60_000, 'Waited 20 min'],
      [2 * 3600_000 + 5 * 60_000, 'Waited 2 hr 5 min'],
    ] as const) {
      it(`reads "${shown}", on one line, with nothing cut off`, async () => {
        fakeProxy.nextCreatedAgoMs = waited;
        const chat = await GliaHandoffHarness.mount();
        await chat.start('Printer jam');
        const line = chat.find('.waited');
        expect(line.textContent?.trim()).to.equal(shown);
        expect(line.getClientRects()).to.have.length(1);
        expect(line.scrollWidth).to.be.at.most(line.clientWidth);
        const queue = chat.find('[part="queue"]');
        expect(queue.scrollWidth).to.be.at.most(queue.clientWidth);
        await expect(chat.element).to.be.accessible();
      });
    }
  });

  describe('losing the connection, three ways', () => {
    it('online but the service does not answer: "not answering", messages wait', async () => {
      const chat = await engagedChat();
      fakeProxy.setReachable(false);
      await chat.waitFor(() => chat.element.matches(':state(reconnecting)'), 'reconnecting');
      expect(chat.element.matches(':state(offline)')).to.equal(false);
      expect(chat.statusLine()).to.equal(
        'The support service is not answering. Reconnecting… Your messages will be sent once it is back.'
      );
      await chat.send('while it was down');
      fakeProxy.setReachable(true);
      await chat.waitFor(
        () => fakeProxy.visitorMessages().some((m) => m.text === 'while it was down'),
        'the delivery once back',
        8000
      );
      await chat.waitFor(() => !chat.element.matches(':state(reconnecting)'), 'live again', 8000);
    });

    it('a 503 with Retry-After from the stream reads as the service, and the chat comes back', async () => {
      const chat = await engagedChat();
      let refused = 0;
      worker.use(
        http.get(
          `${PROXY}/handoff/sessions/:id/events`,
          () => {
            refused++;
            return HttpResponse.json(
              {error: {code: 'unavailable', message: 'Storage is unreachable.'}},
              {status: 503, headers: {'Retry-After': '1'}}
            );
          },
          {once: true}
        )
      );
      // The open stream breaks; the next connection is refused with 503, the one after works.
      fakeProxy.setReachable(false);
      fakeProxy.setReachable(true);
      await chat.waitFor(() => refused === 1, 'the 503');
      expect(chat.element.matches(':state(reconnecting)')).to.equal(true);
      expect(chat.element.matches(':state(offline)')).to.equal(false);
      await chat.waitFor(() => !chat.element.matches(':state(reconnecting)'), 'live again', 8000);
      operator.say('Back');
      await chat.waitFor(() => chat.transcript().some((l) => l.text === 'Back'), 'a new message');
      expect(chat.status()).to.equal('engaged');
    });

    it('a session the proxy forgot is one clear state that keeps the transcript and the unsent text', async () => {
      const chat = await engagedChat({}, 'VPN drops');
      operator.say('Which gateway?');
      await chat.waitFor(() => chat.transcript().length === 3, 'the question');
      fakeProxy.sessions.clear();
      await chat.send('Europe-North');
      await chat.waitFor(() => chat.status() === 'failed', 'the lost session');
      await chat.element.updateComplete;

      expect(chat.has('.composer')).to.equal(false, 'no live composer');
      expect(chat.text('.subtitle')).to.equal('', 'no "Chatting with …"');
      expect(chat.has('.banner')).to.equal(false, 'no second, red banner');
      expect(chat.text('[part="error"] h3')).to.equal('This chat is no longer available');
      expect(chat.transcript().map((l) => l.text)).to.include.members([
        'VPN drops',
        'Which gateway?',
        'Europe-North',
      ]);
      expect(chat.focused?.textContent?.trim()).to.equal('Start a new chat');
      await expect(chat.element).to.be.accessible();

      await chat.click(chat.button('Start a new chat'));
      await chat.waitFor(() => chat.status() === 'idle', 'a fresh pre-chat');
      await chat.element.updateComplete;
      expect(chat.find<HTMLTextAreaElement>('#description').value).to.equal('Europe-North');
    });
  });
});
