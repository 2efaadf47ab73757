/**
 * @module Web-first assertions for playwright-core, which ships none: each one retries until the
 * page agrees or the timeout passes, then fails with what it last saw.
 */
import assert from 'node:assert/strict';
import type {Locator} from 'playwright-core';

interface Options {
  timeout?: number;
}

async function poll(what: string, check: () => Promise<string | true>, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last: string | true = 'never checked';
  while (Date.now() < deadline) {
    last = await check().catch((error: Error) => error.message);
    if (last === true) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${what} (after ${timeout} ms: ${last})`);
}

export function expect(locator: Locator) {
  const name = locator.toString();
  return {
    async toBeVisible({timeout}: Options = {}) {
      await poll(
        `${name} is visible`,
        async () => (await locator.isVisible()) || 'not visible',
        timeout
      );
    },
    async toBeFocused({timeout}: Options = {}) {
      await poll(
        `${name} has focus`,
        async () =>
          (await locator.evaluate((el) => {
            let active = document.activeElement;
            while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
            return active === el;
          })) || 'focus is elsewhere',
        timeout
      );
    },
    async toHaveValue(value: string, {timeout}: Options = {}) {
      await poll(
        `${name} has the value ${JSON.stringify(value)}`,
        async () =>
          (await locator.inputValue()) === value ? true : `value ${await locator.inputValue()}`,
        timeout
      );
    },
    async toHaveText(pattern: RegExp, {timeout}: Options = {}) {
      await poll(
        `${name} has text matching ${pattern}`,
        async () => {
          const text = await locator.textContent();
          return pattern.test(text ?? '') || `text ${JSON.stringify(text)}`;
        },
        timeout
      );
    },
    async toHaveCount(count: number, {timeout}: Options = {}) {
      await poll(
        `${name} appears ${count} time(s)`,
        async () => ((await locator.count()) === count ? true : `${await locator.count()} found`),
        timeout
      );
    },
  };
}
