/**
 * Files and choices end to end through the real demo (`npm start`) in a real Chromium: a visitor
 * drops (or pastes) a screenshot on the widget and the agent sees it in the operator console; the
 * agent sends an image that the widget shows as a thumbnail and opens full size; the agent asks a
 * question with options and the visitor's click reaches Glia; a reload keeps both; a file the scan
 * finds infected is held back; a file over the demo's limit (the proxy's default FILE_MAX_BYTES,
 * Glia's 25 MB) is refused with the reason and never leaves the browser.
 * It runs once with the simulator answering in Glia's recorded shapes and once in the sparse
 * shapes integrators confirm. Screenshots of each view are kept in test-results/e2e/ with a
 * `files-` prefix (the sparse run's `sparse-files-`).
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm, truncate, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {crc32, deflateSync} from 'node:zlib';
import type {Browser, Page} from 'playwright-core';
import {SHAPES} from '../../src/simulator/deps.js';
import {LIMITS} from '../../src/wire/handoff/limits.js';
import {expect} from './expect.js';
import type {Demo} from './support.js';
import {keepScreenshot, launchChromium, startDemo} from './support.js';

/**
 * A real PNG of `width` × `height` pixels: a band of `rgb` over white, so a thumbnail shows
 * something and the decoder has real image data to draw.
 */
function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, no interlace
  const rows = Buffer.alloc((width * 3 + 1) * height, 0xff);
  for (let y = 0; y < height; y++) {
    rows[y * (width * 3 + 1)] = 0; // no filter
    if (y < height / 3 || y >= (2 * height) / 3) continue;
    for (let x = 0; x < width; x++) rows.set(rgb, y * (width * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

interface SimMessage {
  content: string;
  sender: string;
  attachment?: {
    type: string;
    selected_option?: string;
    options?: {text: string; value: string}[];
    files?: {id: string; name: string; content_type: string; size: number; href: string}[];
  };
}

/** The engagement's messages as Glia (the simulator) holds them. */
async function gliaMessages(simUrl: string): Promise<SimMessage[]> {
  const state = (await (await fetch(`${simUrl}/__sim/state`)).json()) as {
    engagements: {messages: SimMessage[]}[];
  };
  return state.engagements[0]?.messages ?? [];
}

/** Polls `check` until it returns a value (a retrying assertion over the simulator's state). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what} (after ${timeout} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

for (const shapes of SHAPES) {
  describe(
    `files and choices, end to end in Chromium (${shapes} answers)`,
    {timeout: 240_000},
    () => {
      let demo: Demo;
      let browser: Browser;
      let visitor: Page;
      let operator: Page;
      /** Errors either page logged: a script error, or an image or fetch the CSP blocked. */
      const pageErrors: string[] = [];
      const screenshot = (page: Page, name: string) =>
        keepScreenshot(page, `${shapes === 'recorded' ? '' : 'sparse-'}files-${name}`);

      const widget = () => visitor.locator('glia-handoff');
      const transcript = () => widget().getByRole('log');
      const consoleMessages = () => operator.locator('#messages');
      /** Whether an <img> has been decoded (a broken or blocked image has no natural width). */
      const loaded = (img: ReturnType<Page['locator']>) =>
        img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0);

      before(async () => {
        demo = await startDemo(['--shapes', shapes]);
        browser = await launchChromium();
        visitor = await (
          await browser.newContext({viewport: {width: 1280, height: 800}})
        ).newPage();
        operator = await (
          await browser.newContext({viewport: {width: 1280, height: 800}})
        ).newPage();
        for (const [who, page] of [
          ['visitor', visitor],
          ['operator', operator],
        ] as const) {
          page.on('console', (m) => m.type() === 'error' && pageErrors.push(`${who}: ${m.text()}`));
          page.on('pageerror', (error) => pageErrors.push(`${who}: ${String(error)}`));
        }
        // A person escalates from the assistant and an operator accepts, as in demo.test.ts.
        await visitor.goto(demo.pageUrl);
        await visitor.getByRole('button', {name: 'VPN keeps disconnecting'}).click();
        await visitor.getByRole('button', {name: 'No, talk to a person'}).click();
        await widget()
          .getByRole('textbox', {name: /how can we help/i})
          .fill('The VPN client shows an error, I have a screenshot');
        await widget().getByRole('button', {name: 'Start chat'}).click();
        await operator.goto(`${demo.simUrl}/operator`);
        const card = operator.locator('#waiting').getByText('Jordan Lee');
        await expect(card).toBeVisible({timeout: 20_000});
        await card.click();
        await operator.locator('#accept').click();
        await expect(widget().getByText(/Alex Rivera joined/i)).toBeVisible({timeout: 20_000});
        // Once engaged, the conversation's file policy lets the visitor attach.
        await expect(widget().locator('button.attach')).toBeVisible({timeout: 20_000});
      });

      after(async () => {
        await browser?.close();
        if (demo) await demo.stop();
      });

      /** Drags a PNG called `name` from the desktop and drops it on the open panel. */
      const drop = (name: string, bytes: Buffer) =>
        widget()
          .locator('.panel')
          .evaluate(
            (panel, [name, bytes]) => {
              const file = new File([new Uint8Array(bytes)], name, {type: 'image/png'});
              const transfer = new DataTransfer();
              transfer.items.add(file);
              const init = {
                dataTransfer: transfer,
                bubbles: true,
                composed: true,
                cancelable: true,
              };
              panel.dispatchEvent(new DragEvent('dragenter', init));
              panel.dispatchEvent(new DragEvent('dragover', init));
              panel.dispatchEvent(new DragEvent('drop', init));
            },
            [name, [...bytes]] as const
          );

      it('a visitor drops a screenshot on the panel and the agent sees it in the console', async () => {
        const screenshotPng = png(64, 40, [0xd0, 0x30, 0x30]);
        await drop('vpn-error.png', screenshotPng);

        // The widget sends it once the scan passed: the visitor's message, delivered, names it.
        const own = transcript().locator('li.msg.visitor', {hasText: 'vpn-error.png'});
        await expect(own).toBeVisible({timeout: 20_000});
        const delivered = transcript().locator('li.msg.visitor[data-delivery="sent"]', {
          hasText: 'vpn-error.png',
        });
        await expect(delivered).toBeVisible({timeout: 30_000});
        await screenshot(visitor, '01-visitor-dropped-file');

        // Glia holds the very bytes that were dropped.
        const message = await eventually('Glia received a message with the file', async () =>
          (await gliaMessages(demo.simUrl)).find(
            (m) => m.sender === 'visitor' && m.attachment?.type === 'files'
          )
        );
        const [file] = message.attachment!.files!;
        assert.equal(file!.name, 'vpn-error.png');
        assert.equal(file!.content_type, 'image/png');
        const stored = Buffer.from(
          await (await fetch(new URL(file!.href, demo.simUrl))).arrayBuffer()
        );
        assert.ok(stored.equals(screenshotPng), 'Glia has the dropped bytes, unchanged');

        // The console shows it on the visitor's message as an image that loads, with its name.
        const shown = consoleMessages().locator('.message-visitor', {hasText: 'vpn-error.png'});
        await expect(shown).toBeVisible({timeout: 20_000});
        const thumb = shown.locator('img[alt="vpn-error.png"]');
        await expect(thumb).toBeVisible();
        assert.equal(await loaded(thumb), true, 'the visitor’s image loads in the console');
        await screenshot(operator, '02-console-visitor-file');
      });

      it('a screenshot pasted into the message field goes the same way', async () => {
        await widget()
          .getByRole('textbox', {name: /message/i})
          .evaluate(
            (field, bytes) => {
              const transfer = new DataTransfer();
              transfer.items.add(
                new File([new Uint8Array(bytes)], 'pasted.png', {type: 'image/png'})
              );
              const init = {
                clipboardData: transfer,
                bubbles: true,
                composed: true,
                cancelable: true,
              };
              field.dispatchEvent(new ClipboardEvent('paste', init));
            },
            [...png(48, 32, [0x30, 0xa0, 0x40])]
          );
        const delivered = transcript().locator('li.msg.visitor[data-delivery="sent"]', {
          hasText: 'pasted.png',
        });
        await expect(delivered).toBeVisible({timeout: 30_000});
        const thumb = consoleMessages().locator('.message-visitor img[alt="pasted.png"]');
        await expect(thumb).toBeVisible({timeout: 20_000});
        assert.equal(await loaded(thumb), true, 'the pasted image loads in the console');
      });

      it('the agent sends an image from the console; the widget shows a thumbnail that opens full size', async () => {
        const diagram = png(120, 80, [0x20, 0x60, 0xd0]);
        await operator
          .locator('#console-file')
          .setInputFiles({name: 'gateway-settings.png', mimeType: 'image/png', buffer: diagram});
        await expect(consoleMessages().locator('.message-operator img.thumb')).toBeVisible({
          timeout: 20_000,
        });

        const thumb = transcript().locator('a.thumb img[alt="gateway-settings.png"]');
        await expect(thumb).toBeVisible({timeout: 20_000});
        assert.equal(await loaded(thumb), true, 'the thumbnail loads under the page’s CSP');
        await screenshot(visitor, '03-visitor-agent-image');

        // It opens full size in a tab of its own: the same picture, at its own size.
        const link = transcript().getByRole('link', {name: /gateway-settings\.png/});
        const [tab] = await Promise.all([visitor.context().waitForEvent('page'), link.click()]);
        await tab.waitForLoadState();
        const size = await tab
          .locator('img')
          .evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
        assert.deepEqual(size, [120, 80], 'the full-size image is the agent’s file');
        await screenshot(tab, '04-visitor-agent-image-full-size');
        await tab.close();
      });

      it('the agent asks a single-choice question; the visitor’s answer reaches Glia and the options freeze', async () => {
        await operator.locator('#message').fill('Which gateway are you connected to?');
        await operator.locator('#choice-options').fill('Europe-North | Europe-West | Not sure');
        await operator.getByRole('button', {name: 'Ask as a choice'}).click();

        const options = transcript().getByRole('group', {name: /answer/i});
        const pick = options.getByRole('button', {name: 'Europe-West'});
        await expect(pick).toBeVisible({timeout: 20_000});
        await expect(transcript().getByText('Which gateway are you connected to?')).toBeVisible();
        assert.equal(await pick.isEnabled(), true, 'the options can be chosen');
        await screenshot(visitor, '05-visitor-choice-before');

        await pick.click();
        const answer = await eventually('Glia received the answer', async () =>
          (await gliaMessages(demo.simUrl)).find(
            (m) => m.sender === 'visitor' && m.attachment?.type === 'single_choice_response'
          )
        );
        const question = (await gliaMessages(demo.simUrl)).find(
          (m) => m.attachment?.type === 'single_choice'
        );
        const chosen = question!.attachment!.options!.find((o) => o.text === 'Europe-West')!;
        assert.equal(answer.attachment!.selected_option, chosen.value);
        assert.equal(answer.content, 'Europe-West');

        await expect(
          consoleMessages().locator('.choice.chosen', {hasText: 'Europe-West'})
        ).toBeVisible({timeout: 20_000});
        await screenshot(operator, '06-console-choice-answered');

        // Frozen: every option disabled, the chosen one marked.
        await expect(options.getByRole('button', {disabled: true})).toHaveCount(3, {
          timeout: 20_000,
        });
        assert.equal(await pick.getAttribute('aria-pressed'), 'true');
        await screenshot(visitor, '07-visitor-choice-after');
      });

      it('after a reload the agent’s image loads again and the answered question stays frozen', async () => {
        await visitor.reload();
        const thumb = transcript().locator('a.thumb img[alt="gateway-settings.png"]');
        await expect(thumb).toBeVisible({timeout: 20_000});
        assert.equal(await loaded(thumb), true, 'the thumbnail loads after a reload');
        const options = transcript().getByRole('group', {name: /answer/i});
        await expect(options.getByRole('button', {disabled: true})).toHaveCount(3, {
          timeout: 20_000,
        });
        assert.equal(
          await options.getByRole('button', {name: 'Europe-West'}).getAttribute('aria-pressed'),
          'true'
        );
        await expect(transcript().getByText('vpn-error.png')).toBeVisible();
      });

      it('a file Glia’s scan finds infected is held back with the reason, and never sent', async () => {
        const scan = (result: 'clean' | 'infected') =>
          fetch(`${demo.simUrl}/__sim/config`, {
            method: 'POST',
            headers: {'content-type': 'application/json'},
            body: JSON.stringify({file_scan: {delay_ms: 300, result}}),
          });
        assert.equal((await scan('infected')).status, 200);
        try {
          await drop('invoice.png', png(16, 16, [0x80, 0x80, 0x80]));
          const held = transcript().locator('li.msg.visitor', {hasText: 'invoice.png'});
          await expect(held.getByText(/virus was found/i)).toBeVisible({timeout: 20_000});
          const remove = held.getByRole('button', {name: /remove invoice\.png/i});
          await expect(remove).toBeVisible();
          await expect(held.getByText(/Not sent/)).toBeVisible();
          await screenshot(visitor, '08-visitor-infected');
          const sent = (await gliaMessages(demo.simUrl)).filter((m) =>
            m.attachment?.files?.some((f) => f.name === 'invoice.png')
          );
          assert.deepEqual(sent, [], 'no message with the infected file reached Glia');
          await remove.click();
          await expect(transcript().locator('li.msg', {hasText: 'invoice.png'})).toHaveCount(0);
        } finally {
          await scan('clean');
        }
      });

      it('a file over the limit is refused with the reason, and nothing reaches Glia', async () => {
        const since = new Date().toISOString();
        const messagesBefore = (await gliaMessages(demo.simUrl)).length;
        // The demo runs the proxy with the default FILE_MAX_BYTES: Glia's own 25 MB.
        // A PNG one byte over it, from a file on disk (Chromium reads the path; no 25 MB over CDP).
        const folder = await mkdtemp(join(tmpdir(), 'glia-handoff-e2e-'));
        const big = join(folder, 'full-disk-image.png');
        await writeFile(big, png(1, 1, [0, 0, 0]));
        await truncate(big, LIMITS.fileBytes + 1);
        try {
          await widget().locator('input[type="file"]').setInputFiles(big);
        } finally {
          await rm(folder, {recursive: true});
        }

        // Said on the panel, and to a screen reader.
        const why = /full-disk-image\.png was not attached: it is larger than 25 MB/;
        await expect(widget().locator('.banner').getByText(why)).toBeVisible({timeout: 20_000});
        await expect(widget().getByRole('alert')).toHaveText(why);
        await expect(transcript().locator('li.msg', {hasText: 'full-disk-image.png'})).toHaveCount(
          0
        );
        await screenshot(visitor, '09-visitor-refused');

        // Nothing went up: no upload to Glia, no new message.
        const log = (await (await fetch(`${demo.simUrl}/__sim/log`)).json()) as {
          requests: {at: string; method: string; path: string}[];
        };
        const uploads = log.requests.filter(
          (r) => r.at >= since && r.method === 'POST' && r.path.includes('/files')
        );
        assert.deepEqual(uploads, [], 'no upload reached Glia');
        assert.equal((await gliaMessages(demo.simUrl)).length, messagesBefore);
      });

      it('neither page logged an error (no script error, nothing blocked by a CSP)', () => {
        assert.deepEqual(pageErrors, []);
      });
    }
  );
}
