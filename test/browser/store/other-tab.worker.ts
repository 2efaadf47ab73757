// Another tab of a page served over plain http, in a realm of its own: no Web Locks, and none of
// this page's module state. Told a key and a count, it bumps the record's unread count that many
// times, all at once, and reports when its changes are written.
import {SessionStore} from '../../../src/widget/store/session-store.js';

Object.defineProperty(navigator, 'locks', {value: undefined});

onmessage = async ({data}: MessageEvent<{key: string; count: number}>) => {
  const store = new SessionStore(data.key);
  await Promise.all(Array.from({length: data.count}, () => store.update(bump)));
  postMessage(store.record.view.unread);
};

function bump(record: SessionStore['record']): SessionStore['record'] {
  return {...record, view: {...record.view, unread: record.view.unread + 1}};
}
