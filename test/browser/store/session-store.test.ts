import {expect} from '@open-wc/testing';
import {clear, createStore} from 'idb-keyval';
import {
  DB_NAME,
  STORE_NAME,
  SessionStore,
  type SessionRecord,
} from '../../../src/widget/store/session-store.js';

const KEY = 'http://intranet.example/support';

const bump = (record: SessionRecord): SessionRecord => ({
  ...record,
  view: {...record.view, unread: record.view.unread + 1},
});

/** Start another tab (a worker: a realm of its own) bumping the count `count` times at once. */
function otherTab(count: number): Promise<number> {
  const worker = new Worker(new URL('./other-tab.worker.ts', import.meta.url), {type: 'module'});
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<number>) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage({key: KEY, count});
  });
}

describe('SessionStore', () => {
  beforeEach(() => clear(createStore(DB_NAME, STORE_NAME)));

  // Browsers keep Web Locks from pages served over plain http, so no lock spans the tabs there.
  describe('in tabs without Web Locks', () => {
    beforeEach(() => {
      Object.defineProperty(navigator, 'locks', {value: undefined, configurable: true});
    });
    afterEach(() => {
      delete (navigator as {locks?: unknown}).locks;
    });

    it('keeps every change when two tabs change the record at the same moment', async () => {
      const store = new SessionStore(KEY);
      const here = Array.from({length: 40}, () => store.update(bump));
      await Promise.all([otherTab(40), ...here]);

      const fresh = new SessionStore(KEY);
      const stored = await fresh.restore();
      expect(stored.view.unread, 'changes kept, of 80').to.equal(80);
      expect(stored.rev).to.equal(80);
      store.dispose();
      fresh.dispose();
    });
  });
});
