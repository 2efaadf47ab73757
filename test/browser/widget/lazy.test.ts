/**
 * The widget's first load is the launcher: the panel (views, session, transport, schemas, locales)
 * is a module of its own, fetched when the person is about to open the chat, or before the first
 * paint when a conversation is open. The order of the cases matters: a module, once fetched,
 * stays loaded for the rest of the page, so the first case must see a page that never loaded it.
 */
import {expect, waitUntil} from '@open-wc/testing';
import {useFakeProxy} from '../support/fake-proxy-setup.js';
import {GliaHandoffHarness} from '../support/glia-handoff-harness.js';
import {PROXY} from '../support/proxy-handlers.js';

// Resource timing keeps 250 entries by default; the test runner's own modules can fill that.
performance.setResourceTimingBufferSize(100_000);

/** Whether this page has fetched the module `path` (resource timing lists every fetch). */
const fetched = (path: string) =>
  performance
    .getEntriesByType('resource')
    .some((entry) => new URL(entry.name).pathname.endsWith(path));

describe('<glia-handoff> loads its panel when it is needed', () => {
  useFakeProxy();

  it('shows the launcher without fetching the panel, and fetches it when pointed at', async () => {
    const chat = await GliaHandoffHarness.mount();
    expect(chat.launcher.getAttribute('aria-label')).to.equal('Chat with support');
    expect(chat.has('.panel')).to.equal(false);
    expect(fetched('/src/widget/panel.ts'), 'the panel module').to.equal(false);
    expect(fetched('/src/widget/transport/chat-session.ts'), 'the transport').to.equal(false);

    chat.launcher.dispatchEvent(new PointerEvent('pointerenter'));
    await chat.waitFor(() => fetched('/src/widget/panel.ts'), 'the panel to be fetched on hover');
    expect(chat.element.isOpen, 'pointing does not open it').to.equal(false);
    await chat.open();
    expect(chat.has('form.prechat')).to.equal(true);
  });

  it('paints a conversation left open as the open panel, never the closed launcher first', async () => {
    const before = await GliaHandoffHarness.mount();
    await before.start('My VPN drops');
    expect(before.element.isOpen).to.equal(true);
    before.element.remove();

    // A reload: a new element restores from IndexedDB. Record what its first paint shows.
    const element = document.createElement('glia-handoff');
    element.setAttribute('proxy-url', PROXY);
    document.body.append(element);
    const root = element.shadowRoot!;
    const painted: string[] = [];
    const observer = new MutationObserver(() => {
      if (painted.length || !root.querySelector('.launcher')) return;
      painted.push(root.querySelector('.panel [part="queue"]') ? 'the open queue' : 'the launcher');
    });
    observer.observe(root, {childList: true, subtree: true});
    try {
      await waitUntil(() => painted.length > 0, 'the first paint');
      expect(painted).to.deep.equal(['the open queue']);
      expect(element.getAttribute('aria-expanded') ?? 'n/a').to.equal('n/a');
      expect(root.querySelector('.launcher')!.getAttribute('aria-expanded')).to.equal('true');
    } finally {
      observer.disconnect();
      element.remove();
    }
  });
});
