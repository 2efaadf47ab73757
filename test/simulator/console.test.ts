/**
 * The operator console: served under a strict CSP, and used in headless Chromium the way an agent
 * would: a ticket filed through the REST API appears live, is accepted, chatted in, transferred and
 * ended. Skipped when no Chromium is installed.
 */
import {CHROMIUM_ARGS, CHROMIUM_PATH} from '../chromium.mjs';
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import type {AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {serve} from '@hono/node-server';
import type {Browser, Page} from 'playwright-core';
import {chromium} from 'playwright-core';
import {createSimulator} from '../../src/simulator/app.js';
import {SEED} from './support.js';

describe('operator console: files', () => {
  it('serves the page, its script and its stylesheet separately, under a CSP without inline code', async (t) => {
    const sim = createSimulator();
    t.after(() => sim.close());
    const page = await sim.app.request('/operator');
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await page.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
    assert.doesNotMatch(html, /<style/i, 'no inline style element');
    assert.doesNotMatch(html, /\sstyle=/i, 'no style attributes');
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline handlers');
    const script = await sim.app.request('/operator/console.js');
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    const css = await sim.app.request('/operator/console.css');
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
  });
});

describe(
  'operator console: in Chromium',
  {skip: existsSync(CHROMIUM_PATH) ? false : 'no Chromium'},
  () => {
    const webhooks: {event_type: string}[] = [];
    const sim = createSimulator({
      fetch: async (_url, init) => {
        webhooks.push(JSON.parse(init.body) as {event_type: string});
        return new Response(null, {status: 204});
      },
    });
    const server = serve({fetch: sim.app.fetch, port: 0, hostname: '127.0.0.1'});
    let base = '';
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    async function glia(method: string, path: string, token?: string, body?: unknown) {
      const response = await fetch(base + path, {
        method,
        headers: {
          accept: 'application/vnd.salemove.v1+json',
          'content-type': 'application/json',
          ...(token ? {authorization: `Bearer ${token}`} : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return text ? JSON.parse(text) : undefined;
    }

    /**
     * Opens the console as Morgan Lee, then makes a visitor with `details` wait in the open queue
     * (with `webhooks` on the ticket); the visitor's id and Glia token.
     */
    async function openConsoleWithWaitingVisitor(
      details: Record<string, unknown>,
      webhooks?: unknown[]
    ): Promise<{id: string; access_token: string}> {
      await page.goto(`${base}/operator`);
      await page.waitForSelector('#connection[data-state="live"]');
      await page.fill('#operator-name', 'Morgan Lee');
      const {token} = await glia('POST', '/operator_authentication/tokens', undefined, {
        api_key_id: SEED.serviceCredential.apiKeyId,
        api_key_secret: SEED.serviceCredential.apiKeySecret,
      });
      const visitor = await glia('POST', '/visitors', token, {});
      await glia('PATCH', `/sites/${SEED.siteId}/visitors/${visitor.id}`, token, details);
      await glia('POST', '/queue_tickets', visitor.access_token, {
        site_id: SEED.siteId,
        media: 'text',
        queue_ids: [SEED.openQueue.id],
        ...(webhooks ? {webhooks} : {}),
      });
      return visitor;
    }

    async function simState() {
      return (await glia('GET', '/__sim/state')) as {
        engagements: {
          id: string;
          state: string;
          operator: {name: string};
          operator_typing: boolean;
          messages: {sender: string; content: string}[];
        }[];
      };
    }

    before(async () => {
      if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        args: CHROMIUM_ARGS,
      });
      page = await browser.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(String(error)));
    });
    after(async () => {
      await browser?.close();
      sim.close();
      await new Promise((resolve) => server.close(resolve));
    });

    it('lets an agent accept a live ticket, chat, see typing, transfer and end, without CSP errors', async () => {
      const visitor = await openConsoleWithWaitingVisitor(
        {
          name: 'Dana Cruz',
          note: 'VPN drops every hour',
          custom_attributes: {bot_transcript: 'User: my vpn drops'},
        },
        [
          {
            url: 'http://127.0.0.1:9/hook',
            method: 'POST',
            events: [
              'engagement.start',
              'engagement.chat.message',
              'engagement.operator_typing',
              'engagement.transfer',
              'engagement.end',
            ],
          },
        ]
      );

      // The ticket appears without a reload, with the visitor's description and bot transcript.
      await page.waitForSelector('#waiting .card >> text=Dana Cruz');
      await page.click('#waiting .card >> text=Dana Cruz');
      await page.waitForSelector('#visitor-note >> text=VPN drops every hour');
      await page.waitForSelector('#visitor-attributes >> text=User: my vpn drops');
      // The question is the waiting visitor's first message, at the time the ticket was filed.
      const asked = await page.textContent('#messages .question .message-meta');
      assert.match(asked ?? '', /^Dana Cruz · question · \d\d:\d\d/);

      await page.click('#accept');
      await page.waitForSelector('#composer:not([hidden])');
      let engagement = (await simState()).engagements[0];
      assert.equal(engagement?.operator.name, 'Morgan Lee');
      const engagementId = engagement?.id ?? '';

      await glia(
        'PUT',
        `/engagements/${engagementId}/chat_messages/${randomUUID()}`,
        visitor.access_token,
        {content: 'It dropped again'}
      );
      await page.waitForSelector('#messages >> text=It dropped again');
      await glia('PUT', `/engagements/${engagementId}/typing_indicator`, visitor.access_token, {
        typing: true,
      });
      await page.waitForSelector('#typing:not([hidden])');

      await page.fill('#message', 'Which gateway?');
      await page.waitForFunction(async () => {
        const state = await (await fetch('/__sim/state')).json();
        return state.engagements[0]?.operator_typing === true;
      });
      await page.press('#message', 'Enter');
      await page.waitForSelector('#messages .message-operator >> text=Which gateway?');
      engagement = (await simState()).engagements[0];
      assert.deepEqual(
        engagement?.messages.map((m) => [m.sender, m.content]),
        [
          ['visitor', 'It dropped again'],
          ['operator', 'Which gateway?'],
        ]
      );

      await page.fill('#transfer-name', 'Sam Okafor');
      await page.click('#transfer-form button');
      await page.waitForSelector('#detail-meta >> text=with Sam Okafor');
      // The transfer is a line in the conversation, and Morgan no longer writes in it.
      await page.waitForSelector('#messages .system-line >> text=Transferred to Sam Okafor');
      await page.waitForSelector('#holder-note >> text=Sam Okafor holds this chat now');
      assert.equal(await page.isVisible('#composer'), false);
      // Signed in as Sam, the console writes (and ends) again: as soon as the name is typed.
      await page.fill('#operator-name', 'Sam Okafor');
      await page.waitForSelector('#composer:not([hidden])');
      await page.click('#end');
      await page.waitForSelector('#ended-note:not([hidden])');
      assert.equal((await simState()).engagements[0]?.state, 'ended');

      await sim.webhooksIdle();
      const types = webhooks.map((w) => w.event_type);
      for (const type of [
        'engagement.start',
        'engagement.operator_typing',
        'engagement.chat.message',
        'engagement.transfer',
        'engagement.end',
      ])
        assert.ok(types.includes(type), type);
      assert.deepEqual(pageErrors, []);
    });

    it("isolates what visitors wrote, so reordering characters in it cannot turn the console's text around", async () => {
      // The simulator stores what it is sent: a proxy cleans it, other clients may not.
      const visitor = await openConsoleWithWaitingVisitor({
        name: 'Eve\u202e nimdA',
        note: 'Open \u202etxt.exe',
        custom_attributes: {page: '\u2067https://intranet.test'},
      });
      await page.waitForSelector('#waiting .card >> text=Eve');
      await page.click('#waiting .card >> text=Eve');
      await page.click('#accept');
      await page.waitForSelector('#composer:not([hidden])');
      const engagementId = (await simState()).engagements.at(-1)?.id ?? '';
      await glia(
        'PUT',
        `/engagements/${engagementId}/chat_messages/${randomUUID()}`,
        visitor.access_token,
        {content: 'pay \u202e0001'}
      );
      // The visitor's note shows as a question first: wait for the message itself.
      await page.waitForSelector('#messages .message-visitor:not(.question)');
      const isolation: Record<string, string[]> = {};
      for (const [where, selector] of Object.entries({
        name: '#visitor-name',
        note: '#visitor-note',
        attributes: '#visitor-attributes dd',
        facts: '#visitor-facts dd',
        bubbles: '#messages .message-visitor .bubble',
        speaker: '#messages .message-visitor .message-meta bdi',
        cards: '#active .card-name bdi, #active .card-line',
      })) {
        // Found and read in one task: the console re-renders the visitor's facts as events
        // arrive, and a node it replaced in between has no computed style.
        isolation[where] = await page.evaluate(
          (all) =>
            [...document.querySelectorAll(all)].map((node) => getComputedStyle(node).unicodeBidi),
          selector
        );
      }
      for (const [where, values] of Object.entries(isolation)) {
        assert.ok(values.length > 0, `${where}: nothing found`);
        for (const value of values) assert.equal(value, 'isolate', where);
      }
      assert.deepEqual(pageErrors, []);
    });

    it("shows a visitor's answer in the words of the option chosen, and a file on the chat's card", async () => {
      const visitor = await openConsoleWithWaitingVisitor({name: 'Kim Park'});
      await page.waitForSelector('#waiting .card >> text=Kim Park');
      await page.click('#waiting .card >> text=Kim Park');
      await page.click('#accept');
      await page.waitForSelector('#composer:not([hidden])');
      const engagementId = (await simState()).engagements.at(-1)?.id ?? '';

      // Glia's answer names the option by its value only; the agent reads its words.
      await page.fill('#message', 'Which laptop?');
      await page.fill('#choice-options', 'Windows | Mac');
      await page.click('#choice-form button');
      await page.waitForSelector('#messages .message-operator .choice >> text=Mac');
      await glia(
        'PUT',
        `/engagements/${engagementId}/chat_messages/${randomUUID()}`,
        visitor.access_token,
        {content: 'Mac', attachment: {type: 'single_choice_response', selected_option: 'option_2'}}
      );
      await page.waitForSelector('#messages .choice.chosen');
      assert.equal(await page.textContent('#messages .choice.chosen'), 'Chose: Mac');

      // A message that is only a file shows the file's name on the chat's card.
      await page.setInputFiles('#console-file', {
        name: 'steps.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('1. Restart\n'),
      });
      await page.waitForSelector('#messages .message-operator >> text=steps.txt');
      const card = page.locator('#active .card', {hasText: 'Kim Park'});
      assert.equal(await card.locator('.card-line').textContent(), 'You: steps.txt');
      assert.deepEqual(pageErrors, []);
    });
  }
);
