/**
 * A walk through the real demo (`npm start`) the way a new person would take it, with the
 * keyboard only: the help assistant, the hand-off, the queue, the chat, a reload, the end
 * confirmation, the end, a new request cancelled while queued. At 1280×860 and 390×844, in en,
 * fi and ar, light and dark: 12 walks. In every view it checks that every control is reachable
 * with Tab and visible when focused, that no icon lies outside its button, that no text is cut
 * off or runs off the page, that focus is never left on <body> after an action, and that axe
 * finds nothing. A last walk takes the operator console through a transfer. Screenshots of every
 * view are kept in test-results/walkthrough/.
 */
import assert from 'node:assert/strict';
import {mkdir} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {after, before, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import type {Browser, BrowserContext, Page} from 'playwright-core';
import {launcherWords, type LauncherWords} from '../../src/widget/launcher-words.js';
import {loadStrings, type Strings} from '../../src/widget/strings.js';
import {expect} from './expect.js';
import type {Demo} from './support.js';
import {launchChromium, startDemo} from './support.js';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const PROBE = fileURLToPath(new URL('./walkthrough-probe.js', import.meta.url));
const SHOTS = new URL('../../test-results/walkthrough/', import.meta.url);

const VIEWPORTS = [
  {name: 'desktop', width: 1280, height: 860},
  {name: 'phone', width: 390, height: 844},
] as const;
const LOCALES = ['en', 'fi', 'ar'] as const;
const SCHEMES = ['light', 'dark'] as const;

interface Probe {
  mark(): string[];
  focus(): {index: number; name: string; body: boolean; visible: boolean};
  icons(): string[];
  overflow(): string[];
}
declare global {
  interface Window {
    walkProbe: Probe;
    axe: {
      run(
        context: Document,
        options: object
      ): Promise<{violations: {id: string; help: string; nodes: {target: unknown[]}[]}[]}>;
    };
  }
}

type SimState = {
  tickets: {id: string; state: string; visitor_id: string}[];
  visitors: {id: string; note?: string}[];
};

describe('a walk through the demo, keyboard only', {timeout: 600_000}, () => {
  let demo: Demo;
  let browser: Browser;

  const sim = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${demo.simUrl}${path}`, {
      method,
      headers: body === undefined ? {} : {'content-type': 'application/json'},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status}`);
    return response.json() as Promise<unknown>;
  };
  const simState = () => sim('GET', '/__sim/state') as Promise<SimState>;

  before(async () => {
    demo = await startDemo();
    browser = await launchChromium();
    await mkdir(SHOTS, {recursive: true});
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  /** Opens a page of a fresh visitor with the probe and axe added before the page's scripts. */
  async function visitorPage(context: BrowserContext): Promise<Page> {
    await context.addInitScript({path: PROBE});
    await context.addInitScript({path: AXE});
    return context.newPage();
  }

  /** One walk: what the person does, and the checks after each step. */
  async function walk(page: Page, label: string, s: Strings & LauncherWords) {
    let step = 0;
    const widget = page.locator('glia-handoff');
    const focus = () => page.evaluate(() => window.walkProbe.focus());

    /** The checks of one view, then its screenshot. */
    async function view(name: string, {afterAction = true} = {}) {
      step++;
      const where = `${label}, view ${step} (${name})`;
      await page.waitForTimeout(50); // one frame for layout after the last change
      await page.screenshot({
        path: fileURLToPath(
          new URL(`${label}-${String(step).padStart(2, '0')}-${name}.png`, SHOTS)
        ),
      });
      // Every control is reachable with Tab, and visible when it has focus.
      const names = await page.evaluate(() => window.walkProbe.mark());
      const start = await focus();
      if (afterAction) assert.equal(start.body, false, `${where}: focus was left on <body>`);
      const reached = new Set<number>();
      for (let i = 0; i < names.length * 2 + 8; i++) {
        await page.keyboard.press('Tab');
        const now = await focus();
        if (now.body) continue;
        assert.ok(now.visible, `${where}: "${now.name}" has focus but cannot be seen`);
        if (now.index >= 0) reached.add(now.index);
        if (reached.size === names.length && now.index === start.index) break;
      }
      const missed = names.filter((_, i) => !reached.has(i));
      assert.deepEqual(missed, [], `${where}: not reachable with Tab`);
      // The walk went round once: focus is back where the person left it.
      if (start.index >= 0) assert.equal((await focus()).index, start.index, `${where}: focus`);

      assert.deepEqual(await page.evaluate(() => window.walkProbe.icons()), [], where);
      assert.deepEqual(await page.evaluate(() => window.walkProbe.overflow()), [], where);
      const {violations} = await page.evaluate(() =>
        window.axe.run(document, {resultTypes: ['violations']})
      );
      assert.deepEqual(
        violations.map((v) => `${v.id}: ${v.help} (${JSON.stringify(v.nodes[0]?.target)})`),
        [],
        `${where}: axe`
      );
    }

    /** Press Tab until the control named `name` has focus (it must be reachable). */
    async function tabTo(name: string | RegExp, backwards = false) {
      for (let i = 0; i < 60; i++) {
        const now = await focus();
        if (typeof name === 'string' ? now.name === name : name.test(now.name)) return;
        await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
      }
      assert.fail(`${label}: could not reach "${name}" with Tab`);
    }

    const focusedName = async () => (await focus()).name;
    /** The agent accepts this walk's ticket (found by its question: walks run side by side). */
    const acceptTicket = async (question: string) => {
      const state = await simState();
      const visitor = state.visitors.find((v) => v.note === question);
      const queued = state.tickets.filter(
        (t) => t.state === 'queued' && t.visitor_id === visitor?.id
      );
      assert.equal(queued.length, 1, 'this visitor waits');
      const {engagement} = (await sim('POST', `/__sim/queue_tickets/${queued[0]!.id}/accept`, {
        operator: {name: 'Alex Rivera'},
      })) as {engagement: {id: string}};
      return engagement.id;
    };

    // The page, and the assistant's first step.
    await page.goto(`${demo.pageUrl}?lang=${label.split('-')[1]}`);
    await expect(page.getByRole('button', {name: 'VPN keeps disconnecting'})).toBeVisible();
    await view('page', {afterAction: false});
    await tabTo('VPN keeps disconnecting');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', {name: 'No, talk to a person'})).toBeVisible();
    await view('assistant-answered');

    // The hand-off: the pre-chat, prefilled, focused on the question.
    await tabTo('No, talk to a person');
    await page.keyboard.press('Enter');
    await expect(widget.locator('#description')).toBeFocused();
    await view('prechat');
    const question = `The VPN drops every ten minutes since this morning (${label})`;
    await page.keyboard.insertText(question);
    await tabTo(s.startChat);
    await page.keyboard.press('Enter');
    await expect(widget.locator('[part="queue"]')).toBeVisible();
    assert.equal(await focusedName(), s.cancel, 'the queue view takes focus on Cancel');
    await view('queued');

    // The agent joins and writes; the person answers.
    const engagementId = await acceptTicket(question);
    await expect(widget.locator('.composer textarea')).toBeFocused();
    await sim('POST', `/__sim/engagements/${engagementId}/messages`, {
      content: 'Hi Jordan, which gateway are you on? jordan.lee@northwind.example is your account?',
    });
    await expect(widget.getByText('which gateway are you on?')).toBeVisible();
    await page.keyboard.insertText('Europe-North, since about nine');
    await page.keyboard.press('Enter');
    await expect(widget.locator('[data-delivery="sent"]')).toBeVisible();
    const first = widget.locator('[role="log"] li').first();
    assert.equal(
      (await first.locator('.bubble').textContent())?.trim(),
      question,
      'the question opens the conversation'
    );
    await view('chatting');

    // A draft typed just before a reload is kept; the assistant and its status line too.
    await page.keyboard.type('half a thought');
    await page.reload();
    await expect(widget.locator('.composer textarea')).toHaveValue('half a thought');
    assert.ok(
      (await page.locator('#bot-log li').count()) >= 4,
      'the assistant kept its conversation'
    );
    assert.notEqual((await page.locator('#handoff-status').textContent())?.trim(), '');
    await view('after-reload', {afterAction: false});

    // End chat: focus goes into the question, Escape brings it back, then End.
    await tabTo(s.endChat);
    await page.keyboard.press('Enter');
    assert.equal(await focusedName(), s.endNo, 'focus is in the confirmation');
    await view('confirm-end');
    await page.keyboard.press('Escape');
    assert.equal(await focusedName(), s.endChat, 'Escape gives focus back to End chat');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedName(), s.endYes);
    await page.keyboard.press('Enter');
    await expect(widget.locator('[part="ended"]')).toBeVisible();
    assert.equal(await focusedName(), s.startAgain);
    await view('ended');

    // A new request, cancelled while waiting: no transcript to download.
    await page.keyboard.press('Enter');
    await expect(widget.locator('#description')).toBeFocused();
    await page.keyboard.insertText('Printer on floor 3');
    await tabTo(s.startChat);
    await page.keyboard.press('Enter');
    await expect(widget.locator('[part="queue"]')).toBeVisible();
    await page.keyboard.press('Enter'); // Cancel has focus
    await expect(widget.locator('[part="ended"]')).toBeVisible();
    assert.equal(await widget.getByRole('button', {name: s.download}).count(), 0);
    await view('cancelled');

    // Closing the panel gives focus back to the launcher.
    await page.keyboard.press('Escape');
    assert.equal(await focusedName(), s.launcher);
    await view('closed');
  }

  it('the operator console: a live wait, the question first, a transfer it follows, whole words', async () => {
    const context = await browser.newContext({viewport: {width: 1100, height: 860}});
    await context.addInitScript({path: PROBE});
    await context.addInitScript({path: AXE});
    const visitorContext = await browser.newContext({viewport: {width: 1280, height: 860}});
    try {
      const desk = await context.newPage();
      const shot = (name: string) =>
        desk.screenshot({path: fileURLToPath(new URL(`console-${name}.png`, SHOTS))});
      const axe = async (where: string) => {
        const {violations} = await desk.evaluate(() =>
          window.axe.run(document, {resultTypes: ['violations']})
        );
        assert.deepEqual(
          violations.map((v) => `${v.id}: ${v.help} (${JSON.stringify(v.nodes[0]?.target)})`),
          [],
          `console, ${where}: axe`
        );
      };
      await desk.goto(`${demo.simUrl}/operator`);
      await desk.fill('#operator-name', 'Alex Rivera');
      await desk.press('#operator-name', 'Tab');

      const visitor = await visitorContext.newPage();
      await visitor.goto(demo.pageUrl);
      await visitor.getByRole('button', {name: 'Something else'}).click();
      const widget = visitor.locator('glia-handoff');
      await widget.locator('#description').fill('My second screen stays black');
      await widget.getByRole('button', {name: 'Start chat'}).click();

      // The wait moves on every second, not every 15 s.
      const time = desk.locator('#waiting .card-time');
      await expect(time).toBeVisible();
      const seconds = async () =>
        Number(/(\d+)s/.exec((await time.textContent()) ?? '')?.[1] ?? -1);
      const first = await seconds();
      await desk.waitForFunction(
        (before) => {
          const text = document.querySelector('#waiting .card-time')?.textContent ?? '';
          return Number(/(\d+)s/.exec(text)?.[1] ?? -1) >= before + 2;
        },
        first,
        {timeout: 10_000}
      );
      await desk.locator('#waiting .card').click();
      const question = desk.locator('#messages li').nth(1);
      assert.equal(
        (await question.locator('.bubble').textContent())?.trim(),
        'My second screen stays black',
        "the visitor's question opens the console's conversation"
      );
      await shot('01-waiting');
      await axe('waiting');

      // The email wraps between its parts, never inside one.
      const email = await desk.evaluate(() => {
        const dd = [...document.querySelectorAll('#visitor-facts dd')].find((d) =>
          d.textContent?.includes('@')
        );
        const range = document.createRange();
        const texts = [...(dd?.querySelectorAll('span') ?? [])].flatMap((span) =>
          [...span.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
        );
        return texts.map((node) => {
          range.selectNodeContents(node);
          return {
            text: node.textContent,
            lines: new Set([...range.getClientRects()].map((r) => r.top)).size,
          };
        });
      });
      assert.equal(email.map((part) => part.text).join(''), 'jordan.lee@northwind.example');
      assert.deepEqual(
        email.filter((part) => part.lines > 1),
        [],
        'no part of the address is broken across lines'
      );

      await desk.locator('#accept').click();
      await expect(desk.locator('#composer')).toBeVisible();
      await desk.fill('#message', 'Hi, Alex here. Is it the left one?');
      await desk.press('#message', 'Enter');
      await expect(widget.getByText('Alex here')).toBeVisible();
      await shot('02-engaged');

      // A transfer leaves a line, and Alex's console no longer writes as Sam.
      await desk.fill('#transfer-name', 'Sam Okafor');
      await desk.press('#transfer-name', 'Enter');
      await expect(desk.locator('#messages').getByText('Transferred to Sam Okafor')).toBeVisible();
      await expect(desk.locator('#holder-note')).toBeVisible();
      assert.equal(await desk.locator('#composer').isVisible(), false, 'no composer for Alex');
      assert.equal(await desk.locator('#end').isVisible(), false);
      await expect(widget.getByText('Sam Okafor', {exact: false}).first()).toBeVisible();
      await shot('03-transferred');
      await axe('after the transfer');

      // Signed in as Sam, the console writes again, as Sam.
      await desk.fill('#operator-name', 'Sam Okafor');
      await desk.press('#operator-name', 'Tab');
      await expect(desk.locator('#composer')).toBeVisible();
      await desk.fill('#message', 'Sam here, let us try another cable.');
      await desk.press('#message', 'Enter');
      await expect(widget.getByText('Sam here')).toBeVisible();
      await shot('04-as-sam');
      await desk.locator('#end').click();
      await expect(desk.locator('#ended-note')).toBeVisible();
    } finally {
      await context.close();
      await visitorContext.close();
    }
  });

  // Three walks at a time, each its own visitor: most of a walk is waiting for the page.
  describe('the visitor', {concurrency: 3}, () => {
    for (const viewport of VIEWPORTS) {
      for (const locale of LOCALES) {
        for (const scheme of SCHEMES) {
          const label = `${viewport.name}-${locale}-${scheme}`;
          it(label, async () => {
            const context = await browser.newContext({
              viewport: {width: viewport.width, height: viewport.height},
              colorScheme: scheme,
              reducedMotion: 'reduce',
            });
            const page = await visitorPage(context);
            try {
              await walk(page, label, {...(await loadStrings(locale)), ...launcherWords(locale)});
            } catch (error) {
              // What the person saw when it went wrong.
              const path = fileURLToPath(new URL(`${label}-failed.png`, SHOTS));
              await page.screenshot({path}).catch(() => undefined);
              console.error(`${label} failed; the demo said:\n${demo.output().slice(-3000)}`);
              throw error;
            } finally {
              await context.close();
            }
          });
        }
      }
    }
  });
});
