/**
 * One msw worker per test page, answering with the fake proxy; per test: a fresh fake proxy,
 * empty IndexedDB, no leftover elements, and no per-test handler overrides.
 */
import {fixtureCleanup} from '@open-wc/testing';
import {clear, createStore} from 'idb-keyval';
import {setupWorker} from 'msw/browser';
import {FILE_DB_NAME, FILE_STORE_NAME} from '../../../src/widget/store/file-store.js';
import {DB_NAME, STORE_NAME} from '../../../src/widget/store/session-store.js';
import {FakeProxy, PROXY} from './proxy-handlers.js';

export const fakeProxy = new FakeProxy();
export const worker = setupWorker(...fakeProxy.handlers);

let started: Promise<unknown> | undefined;

/** Register the hooks of a suite that talks to the fake proxy. */
export function useFakeProxy(): void {
  before(() => {
    started ??= worker.start({
      onUnhandledRequest: 'error',
      quiet: true,
      serviceWorker: {url: '/mockServiceWorker.js'},
    });
    return started;
  });
  beforeEach(async () => {
    fakeProxy.reset();
    // Under the widget's own state lock, so a write queued by a removed element lands first.
    await navigator.locks.request(`glia-handoff:state:${PROXY}`, () =>
      clear(createStore(DB_NAME, STORE_NAME))
    );
    await clear(createStore(FILE_DB_NAME, FILE_STORE_NAME));
  });
  afterEach(() => {
    fixtureCleanup();
    worker.resetHandlers();
  });
}
