/**
 * A visitor and an operator chat end to end through the real demo (`npm start`): the real
 * simulator, proxy and widget build, in a real Chromium, once with the simulator answering in
 * Glia's recorded shapes and once in the sparse shapes integrators confirm. Screenshots of each
 * step are kept in test-results/e2e/ (the sparse run's with a `sparse-` prefix).
 */
import assert from 'node:assert/strict';
import {networkInterfaces} from 'node:os';
import {after, before, describe, it} from 'node:test';
import type {Browser, BrowserContext, Page} from 'playwright-core';
import {expect} from './expect.js';
import type {Demo} from './support.js';
import {SHAPES} from '../../src/simulator/deps.js';
import {keepScreenshot as keep, launchChromium, simState, startDemo} from './support.js';

for (const shapes of SHAPES) {
  const keepScreenshot = (page: Page, name: string) =>
    keep(page, shapes === 'recorded' ? name : `sparse-${name}`);

  describe(`the demo, end to end in Chromium (${shapes} answers)`, {timeout: 180_000}, () => {
    let demo: Demo;
    let browser: Browser;
    let visitorContext: BrowserContext;
    let visitor: Page;
    let operator: Page;

    const widget = () => visitor.locator('glia-handoff');
    const transcript = () => widget().getByRole('log');
    const composer = () => widget().getByRole('textbox', {name: /message/i});
    const consoleMessages = () => operator.locator('#messages');

    before(async () => {
      demo = await startDemo(['--shapes', shapes]);
      browser = await launchChromium();
      visitorContext = await browser.newContext({viewport: {width: 1280, height: 800}});
      visitor = await visitorContext.newPage();
      operator = await (await browser.newContext({viewport: {width: 1280, height: 800}})).newPage();
    });

    after(async () => {
      await browser?.close();
      if (!demo) return;
      const {npm, lingered} = await demo.stop();
      const output = demo.output();
      assert.ok(npm === 0 || npm === 'SIGINT', `npm start ends on Ctrl-C (${npm}):\n${output}`);
      assert.equal(lingered, false, `every process of the demo exits on Ctrl-C:\n${output}`);
      await assert.rejects(fetch(demo.pageUrl), 'the demo page no longer answers');
    });

    it('a person asks the assistant, escalates, describes the problem and waits in the queue', async () => {
      await visitor.goto(demo.pageUrl);
      await visitor.getByRole('button', {name: 'VPN keeps disconnecting'}).click();
      await visitor.getByRole('button', {name: 'No, talk to a person'}).click();
      const description = widget().getByRole('textbox', {name: /how can we help/i});
      await expect(description).toBeFocused();
      await description.fill('The VPN drops every ten minutes since this morning');
      await expect(widget().getByRole('textbox', {name: /name/i})).toHaveValue('Jordan Lee');
      await widget().getByRole('button', {name: 'Start chat'}).click();
      await expect(
        widget()
          .getByText(/waiting/i)
          .first()
      ).toBeVisible();
      await keepScreenshot(visitor, '01-visitor-queued');
    });

    it('an operator sees the ticket in the console and accepts it', async () => {
      await operator.goto(`${demo.simUrl}/operator`);
      const card = operator.locator('#waiting').getByText('Jordan Lee');
      await expect(card).toBeVisible();
      await card.click();
      await expect(operator.locator('#visitor-note')).toHaveText(/VPN drops every ten minutes/);
      await keepScreenshot(operator, '02-operator-sees-ticket');
      await operator.locator('#accept').click();
      await expect(widget().getByText(/Alex Rivera joined/i)).toBeVisible();
      await keepScreenshot(visitor, '03-visitor-engaged');
    });

    it('they exchange messages both ways', async () => {
      await operator.locator('#message').fill('Hi Jordan, which VPN gateway are you on?');
      await operator.locator('#message').press('Enter');
      await expect(transcript().getByText('which VPN gateway are you on?')).toBeVisible();

      await composer().fill('Europe-North, since about 9');
      await composer().press('Enter');
      await expect(consoleMessages().getByText('Europe-North, since about 9')).toBeVisible();
      await keepScreenshot(visitor, '04-visitor-chatting');
      await keepScreenshot(operator, '05-operator-chatting');
    });

    it('the visitor reloads mid-chat and goes on where they were', async () => {
      await visitor.reload();
      await expect(transcript().getByText('which VPN gateway are you on?')).toBeVisible();
      await expect(transcript().getByText('Europe-North, since about 9')).toBeVisible();
      await composer().fill('Still here after a reload');
      await composer().press('Enter');
      await expect(consoleMessages().getByText('Still here after a reload')).toBeVisible();
      await keepScreenshot(visitor, '06-visitor-after-reload');
    });

    it('a message sent while offline arrives once when the network is back', async () => {
      await visitorContext.setOffline(true);
      await composer().fill('Typed while offline');
      await composer().press('Enter');
      await expect(transcript().getByText('Typed while offline')).toBeVisible();
      await keepScreenshot(visitor, '07-visitor-offline');
      await visitorContext.setOffline(false);
      await expect(consoleMessages().getByText('Typed while offline')).toBeVisible({
        timeout: 20_000,
      });
      // The operator is answered while the visitor was away and back: nothing lost, nothing twice.
      await operator.locator('#message').fill('Got it, thanks');
      await operator.locator('#message').press('Enter');
      await expect(transcript().getByText('Got it, thanks')).toBeVisible({timeout: 20_000});
      const [engagement] = (await simState(demo.simUrl)).engagements;
      const sent = engagement!.messages.filter((m) => m.content === 'Typed while offline');
      assert.equal(sent.length, 1, 'Glia received the offline message exactly once');
      await expect(transcript().getByText('Typed while offline')).toHaveCount(1);
      await keepScreenshot(visitor, '08-visitor-back-online');
    });

    it('the visitor ends the chat, and both sides see it ended', async () => {
      await widget().getByRole('button', {name: 'End chat'}).click();
      const confirm = widget().getByRole('button', {name: /^end/i});
      if (await confirm.count()) await confirm.last().click();
      await expect(widget().getByRole('button', {name: 'Start a new chat'})).toBeVisible();
      await expect(operator.locator('#ended-note')).toBeVisible();
      const [engagement] = (await simState(demo.simUrl)).engagements;
      assert.equal(engagement!.state, 'ended');
      await keepScreenshot(visitor, '09-visitor-ended');
      await keepScreenshot(operator, '10-operator-ended');
    });
  });
}

/** This machine's first address on a network, if it has one (CI machines do). */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a?.family === 'IPv4' && !a.internal)?.address;

describe(
  'the demo on every interface (--host 0.0.0.0)',
  {timeout: 120_000, skip: lanAddress ? false : 'no network address'},
  () => {
    it("prints where others on the network open the page, and the proxy takes that page's chats", async (t) => {
      const demo = await startDemo(['--host', '0.0.0.0']);
      t.after(() => demo.stop());
      const port = new URL(demo.pageUrl).port;
      const lanPage = `http://${lanAddress}:${port}`;
      assert.match(
        demo.output(),
        new RegExp(`On this network +${lanPage.replaceAll('.', '\\.')}/`)
      );
      const page = await fetch(`${lanPage}/`);
      assert.equal(page.status, 200);
      const started = await fetch(`${lanPage}/handoff/sessions`, {
        method: 'POST',
        headers: {origin: lanPage, 'content-type': 'application/json'},
        body: JSON.stringify({description: 'Shown from a colleague’s laptop'}),
      });
      assert.equal(started.status, 201, await started.text());
    });
  }
);
