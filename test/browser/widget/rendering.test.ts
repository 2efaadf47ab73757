import {expect} from '@open-wc/testing';
import {http, HttpResponse} from 'msw';
import {fakeProxy, useFakeProxy, worker} from '../support/fake-proxy-setup.js';
import {GliaHandoffHarness} from '../support/glia-handoff-harness.js';
import {PROXY} from '../support/proxy-handlers.js';

const {operator} = fakeProxy;
const SESSIONS = `${PROXY}/handoff/sessions`;

async function engagedChat(options = {}): Promise<GliaHandoffHarness> {
  const chat = await GliaHandoffHarness.mount(options);
  await chat.start('Question');
  operator.accept('Sam');
  await chat.waitFor(() => chat.status() === 'engaged', 'the agent to join');
  return chat;
}

const lastBubble = (chat: GliaHandoffHarness) => {
  const bubbles = chat.root.querySelectorAll('.bubble');
  return bubbles[bubbles.length - 1]!;
};

describe('<glia-handoff> rendering', () => {
  useFakeProxy();

  describe('message text', () => {
    it('shows HTML and script in a message as text', async () => {
      const chat = await engagedChat();
      const hostile =
        '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b>';
      operator.say(hostile);
      await chat.send('<i>mine</i>');
      await chat.waitFor(() => chat.transcript().some((l) => l.text === hostile), 'the message');
      expect(lastBubble(chat).textContent).to.equal('<i>mine</i>');
      expect(
        chat.root.querySelectorAll('.bubble img, .bubble script, .bubble b, .bubble i')
      ).to.have.length(0);
      expect((window as unknown as {pwned?: number}).pwned).to.equal(undefined);
      await expect(chat.element).to.be.accessible();
    });

    it("isolates each person's text and names, so right-to-left or reordering characters stay inside them", async () => {
      const chat = await GliaHandoffHarness.mount();
      await chat.start('שלום question');
      const name = '‮Samש';
      operator.accept(name);
      await chat.waitFor(() => chat.status() === 'engaged', 'the agent to join');
      operator.say('‮evil.com/gro.elgoog');
      await chat.send('مرحبا mine');
      await chat.waitFor(() => chat.root.querySelectorAll('.bubble').length >= 3, 'the messages');
      const bubbles = [...chat.root.querySelectorAll<HTMLElement>('.bubble')];
      expect(bubbles.map((b) => b.getAttribute('dir'))).to.deep.equal(bubbles.map(() => 'auto'));
      // dir="auto" makes each bubble a bidi isolate: nothing in it reorders what is outside.
      expect(bubbles.map((b) => getComputedStyle(b).unicodeBidi)).to.deep.equal(
        bubbles.map(() => 'isolate')
      );
      const notice = chat.find('[part="notice"]');
      expect(notice.querySelector('bdi')?.textContent).to.equal(name);
      expect(notice.textContent?.trim()).to.equal(`${name} joined the chat`);
      expect(chat.find('.subtitle bdi').textContent).to.equal(name);
      const agentName = chat.find('.msg.agent .who bdi');
      expect(agentName.textContent?.trim()).to.equal(name);
    });

    it('makes http and https links clickable in a new tab without opener, nothing else', async () => {
      const chat = await engagedChat();
      operator.say(
        'See https://intranet.example.com/vpn?x=1. Or javascript:alert(1) or ftp://old.example.com'
      );
      await chat.waitFor(() => chat.has('.bubble a'), 'the link');
      const links = [...chat.root.querySelectorAll<HTMLAnchorElement>('.bubble a')];
      expect(links.map((a) => [a.href, a.textContent, a.target, a.rel])).to.deep.equal([
        [
          'https://intranet.example.com/vpn?x=1',
          'https://intranet.example.com/vpn?x=1',
          '_blank',
          'noopener noreferrer',
        ],
      ]);
      expect(lastBubble(chat).textContent).to.equal(
        'See https://intranet.example.com/vpn?x=1. Or javascript:alert(1) or ftp://old.example.com'
      );
    });
  });

  describe('languages', () => {
    it('speaks Finnish when locale is fi', async () => {
      const chat = await GliaHandoffHarness.mount({locale: 'fi'});
      await chat.open();
      expect(chat.text('label[for="description"]')).to.equal('Miten voimme auttaa?');
      expect(chat.launcher.getAttribute('aria-label')).to.equal('Keskustele tuen kanssa');
      await expect(chat.element).to.be.accessible();
    });

    it('turns right-to-left for Arabic, inside the viewport, and follows an explicit dir', async () => {
      const chat = await GliaHandoffHarness.mount({locale: 'ar'});
      await chat.open();
      expect(chat.find('.root').getAttribute('lang')).to.equal('ar');
      expect(getComputedStyle(chat.find('#description')).direction).to.equal('rtl');
      expect(chat.text('label[for="description"]')).to.equal('كيف يمكننا مساعدتك؟');
      const panel = chat.find('[part="panel"]').getBoundingClientRect();
      expect(panel.left).to.be.at.least(0);
      expect(panel.right).to.be.at.most(innerWidth);
      await expect(chat.element).to.be.accessible();
      chat.element.dir = 'ltr';
      await chat.element.updateComplete;
      expect(getComputedStyle(chat.find('#description')).direction).to.equal('ltr');
    });
  });

  describe('error views', () => {
    /** The next start is refused with the proxy's 429, in its English words. */
    const refuseOnce429 = () =>
      worker.use(
        http.post(
          SESSIONS,
          () =>
            HttpResponse.json(
              {
                error: {
                  code: 'rate-limited',
                  message: 'Too many chats started from here.',
                  hint: 'Wait a minute, then try again.',
                },
              },
              {status: 429, headers: {'Retry-After': '30'}}
            ),
          {once: true}
        )
      );

    it("shows a 429 in the proxy's words and counts down before trying again", async () => {
      refuseOnce429();
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Help');
      expect(chat.status()).to.equal('failed');
      expect(chat.text('[part="error"]')).to.contain('Too many chats started from here.');
      expect(chat.text('[part="error"]')).to.contain('Wait a minute, then try again.');
      expect(chat.text('[part="error"]')).to.match(/try again in (29|30) s/);
      expect(chat.button('Try again').disabled).to.equal(true);
      expect(chat.alertText()).to.equal('Too many chats started from here.');
      expect(chat.element.matches(':state(failed)')).to.equal(true);
      await expect(chat.element).to.be.accessible();
    });

    it("says a 429 in the widget's language, not in the proxy's English", async () => {
      refuseOnce429();
      const chat = await GliaHandoffHarness.mount({locale: 'fi'});
      await chat.start('Apua');
      const card = chat.text('[part="error"]');
      expect(card).to.contain('Liian monta yritystä lyhyessä ajassa.');
      expect(card).not.to.contain('Too many');
      expect(card).not.to.contain('Wait a minute');
      expect(chat.alertText()).to.equal('Liian monta yritystä lyhyessä ajassa.');
    });

    it('says the service cannot be reached, and tries again with the same question and start id', async () => {
      // The request may have got through with only its answer lost: the retry must name it.
      let firstStartId: unknown;
      worker.use(
        http.post(
          SESSIONS,
          async ({request}) => {
            firstStartId = ((await request.json()) as {startId?: unknown}).startId;
            return HttpResponse.error();
          },
          {once: true}
        )
      );
      const chat = await GliaHandoffHarness.mount();
      await chat.start('Is anyone there?');
      expect(chat.text('[part="error"] p')).to.equal(
        'The support service cannot be reached. Check your connection and try again.'
      );
      await chat.click(chat.button('Try again'));
      await chat.waitFor(() => chat.status() === 'queued', 'the second attempt');
      expect(fakeProxy.latest().request.description).to.equal('Is anyone there?');
      expect(firstStartId).to.match(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
      );
      expect(fakeProxy.latest().request.startId).to.equal(firstStartId);
    });

    it('lets the person edit the question after the proxy refused it', async () => {
      worker.use(
        http.post(
          SESSIONS,
          () =>
            HttpResponse.json(
              {error: {code: 'validation', message: 'The description is too long.'}},
              {status: 400}
            ),
          {once: true}
        )
      );
      const chat = await GliaHandoffHarness.mount();
      await chat.start('A very long story');
      expect(chat.text('[part="error"] p')).to.equal('The description is too long.');
      await chat.click(chat.button('Edit your question'));
      await chat.waitFor(() => chat.status() === 'idle', 'the pre-chat');
      await chat.element.updateComplete;
      expect(chat.find<HTMLTextAreaElement>('#description').value).to.equal('A very long story');
    });

    it('says it is not set up when the page forgot proxy-url', async () => {
      const chat = await GliaHandoffHarness.mount({proxyUrl: null});
      await chat.open();
      expect(chat.text('.note')).to.contain('proxy-url');
      await expect(chat.element).to.be.accessible();
    });
  });

  describe('styling contract', () => {
    it('exposes its status as custom states', async () => {
      const chat = await GliaHandoffHarness.mount();
      expect(chat.element.matches(':state(idle)')).to.equal(true);
      await chat.start('Question');
      await chat.element.updateComplete;
      expect(chat.element.matches(':state(queued)')).to.equal(true);
      expect(chat.element.matches(':state(idle)')).to.equal(false);
    });

    it('never writes inline style attributes (strict CSP)', async () => {
      const chat = await engagedChat();
      operator.say('hello');
      await chat.send('hi');
      expect(chat.root.querySelectorAll('[style]')).to.have.length(0);
      expect(chat.root.adoptedStyleSheets.length).to.be.greaterThan(0);
      expect(chat.root.querySelectorAll('style')).to.have.length(0);
    });
  });
});
