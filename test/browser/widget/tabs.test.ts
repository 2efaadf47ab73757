import {expect} from '@open-wc/testing';
import {fakeProxy, useFakeProxy} from '../support/fake-proxy-setup.js';
import {GliaHandoffHarness} from '../support/glia-handoff-harness.js';

const {operator} = fakeProxy;

// Two elements on one page stand in for two tabs: each has its own controller, session, store
// copy, BroadcastChannel and Web Lock requests, exactly as two tabs of one origin would.
describe('<glia-handoff> in several tabs', () => {
  useFakeProxy();

  it("shows one conversation in both: one session, the agent's messages in each", async () => {
    const first = await GliaHandoffHarness.mount();
    const second = await GliaHandoffHarness.mount();
    await first.start('Shared question');
    await second.open();
    await second.waitFor(() => second.status() === 'queued', 'the second tab to see the wait');
    expect(fakeProxy.sessions.size).to.equal(1);

    operator.accept('Sam');
    operator.say('Hello from Sam');
    for (const tab of [first, second]) {
      await tab.waitFor(
        () => tab.transcript().some((l) => l.text === 'Hello from Sam'),
        'the message in every tab'
      );
    }
    await second.send('Sent from the second tab');
    await first.waitFor(
      () =>
        first
          .transcript()
          .some((l) => l.text === 'Sent from the second tab' && l.delivery === 'sent'),
      "the other tab's message"
    );
    expect(first.transcript()).to.deep.equal(second.transcript());
    expect(fakeProxy.visitorMessages()).to.have.length(1);
    await expect(second.element).to.be.accessible();
  });

  it('never files two tickets when both tabs start at once', async () => {
    const first = await GliaHandoffHarness.mount();
    const second = await GliaHandoffHarness.mount();
    await Promise.all([first.element.start('From tab one'), second.element.start('From tab two')]);
    expect(fakeProxy.sessions.size).to.equal(1);
    await second.waitFor(() => second.status() === 'queued', 'queued');
    expect(first.status()).to.equal('queued');
  });

  it('keeps the conversation going when the tab holding the stream closes', async () => {
    const first = await GliaHandoffHarness.mount();
    await first.start('Question');
    operator.accept('Sam');
    await first.waitFor(() => first.status() === 'engaged', 'engaged');
    const second = await GliaHandoffHarness.mount({open: true});
    first.element.remove();
    operator.say('Still with you');
    await second.waitFor(
      () => second.transcript().some((l) => l.text === 'Still with you'),
      'the surviving tab to take over the stream'
    );
  });
});
