import {expect} from '@open-wc/testing';
import {
  PENDING_FILE_BYTES,
  answerTo,
  deliverable,
  initialState,
  sortFiles,
  transition,
  type Chat,
  type FileStage,
  type SessionEvent,
  type SessionState,
  type StartedSession,
} from '../../../src/widget/store/session-state.js';

const AT = '2026-11-25T10:00:00.000Z';

const chat = (change: Partial<Chat> = {}): Chat => ({
  id: 's1',
  token: 't'.repeat(32),
  createdAt: AT,
  description: 'VPN is down',
  operator: null,
  items: [],
  outbox: [],
  lastEventId: '1',
  typing: false,
  link: 'live',
  alert: null,
  ...change,
});

const started: StartedSession = {
  id: 's1',
  token: 't'.repeat(32),
  status: 'queued',
  createdAt: AT,
  operator: null,
  messages: [],
  lastEventId: '1',
};

const idle: SessionState = initialState;
const starting: SessionState = {status: 'starting', description: 'VPN is down', startId: 'first'};
const queued: SessionState = {status: 'queued', chat: chat()};
const engaged: SessionState = {status: 'engaged', chat: chat({operator: {name: 'Sam'}})};
const ended: SessionState = {status: 'ended', chat: chat(), endedBy: 'operator'};
const failedStart: SessionState = {
  status: 'failed',
  chat: null,
  problem: {code: 'network', message: ''},
  description: 'VPN is down',
};
const failedTicket: SessionState = {
  status: 'failed',
  chat: chat(),
  problem: {code: 'session-failed', message: 'No agents are online.'},
};

const sam = {type: 'operator', operator: {name: 'Sam'}, change: 'joined'} as const;
const hello = {id: 'm1', from: 'operator', text: 'Hello', at: AT} as const;
const mine = {id: 'u1', from: 'visitor', text: 'Hi', at: AT} as const;
const received = (
  id: string | null,
  event: Extract<SessionEvent, {type: 'event-received'}>['event']
) => ({type: 'event-received', id, event, at: AT}) as const;

const POLICY = {contentTypes: ['image/png'], maxBytes: 1000};
const withFiles: SessionState = {
  status: 'engaged',
  chat: chat({operator: {name: 'Sam'}, filePolicy: POLICY}),
};
const pic = {id: 'f1', name: 'a.png', size: 10, contentType: 'image/png'};
const upload = {...pic, status: 'scanning'} as const;
const pending = (stage: FileStage, text = ''): SessionState => ({
  status: 'engaged',
  chat: chat({
    filePolicy: POLICY,
    outbox: [{id: 'u1', text, at: AT, delivery: 'sending', files: [{...pic, stage}]}],
  }),
});
const stageOf = (state: SessionState) =>
  state.status === 'engaged' ? state.chat.outbox[0]?.files?.[0]?.stage : undefined;

interface Row {
  name: string;
  from: SessionState;
  event: SessionEvent;
  /** The expected next state; `'same'` = the event is not accepted (the same object back). */
  to: 'same' | ((next: SessionState) => void);
}

const status = (expected: SessionState['status']) => (next: SessionState) =>
  expect(next.status).to.equal(expected);

const rows: Row[] = [
  // Starting
  {
    name: 'idle + start requested → starting',
    from: idle,
    event: {type: 'start-requested', description: 'x', startId: 'new'},
    to: status('starting'),
  },
  {
    name: 'starting + start requested → no-op (single-flight)',
    from: starting,
    event: {type: 'start-requested', description: 'y', startId: 'new'},
    to: 'same',
  },
  {
    name: 'queued + start requested → no-op (never a second session)',
    from: queued,
    event: {type: 'start-requested', description: 'y', startId: 'new'},
    to: 'same',
  },
  {
    name: 'idle + start requested → starting, under the new start id',
    from: idle,
    event: {type: 'start-requested', description: 'x', startId: 'new'},
    to: (next) =>
      expect(next).to.deep.equal({status: 'starting', description: 'x', startId: 'new'}),
  },
  {
    name: 'failed start + start requested → starting (try again)',
    from: failedStart,
    event: {type: 'start-requested', description: 'x', startId: 'new'},
    to: status('starting'),
  },
  {
    name: 'failed start + start requested → starting again under the first start id (one ticket)',
    from: {...failedStart, startId: 'first'},
    event: {type: 'start-requested', description: 'x', startId: 'new'},
    to: (next) => expect(next.status === 'starting' && next.startId).to.equal('first'),
  },
  {
    name: 'failed ticket + start requested → no-op (reset first)',
    from: failedTicket,
    event: {type: 'start-requested', description: 'x', startId: 'new'},
    to: 'same',
  },
  {
    name: 'starting + start succeeded → queued, keeping the description',
    from: starting,
    event: {type: 'start-succeeded', session: started},
    to: (next) => {
      expect(next.status).to.equal('queued');
      expect(next.status === 'queued' && next.chat.description).to.equal('VPN is down');
    },
  },
  {
    name: 'starting + start succeeded already engaged → engaged',
    from: starting,
    event: {
      type: 'start-succeeded',
      session: {...started, status: 'engaged', operator: {name: 'Sam'}},
    },
    to: status('engaged'),
  },
  {
    name: 'idle + start succeeded → no-op (a late answer)',
    from: idle,
    event: {type: 'start-succeeded', session: started},
    to: 'same',
  },
  {
    name: 'starting + start failed → failed, keeping the description and start id for "try again"',
    from: starting,
    event: {
      type: 'start-failed',
      problem: {code: 'rate-limited', message: 'Slow down', retryAt: 1},
    },
    to: (next) => {
      expect(next).to.deep.equal({
        status: 'failed',
        chat: null,
        problem: {code: 'rate-limited', message: 'Slow down', retryAt: 1},
        description: 'VPN is down',
        startId: 'first',
      });
    },
  },
  {
    name: 'starting + start abandoned → failed, keeping the question and its start id',
    from: starting,
    event: {type: 'start-abandoned'},
    to: (next) =>
      expect(next).to.deep.equal({
        status: 'failed',
        chat: null,
        problem: {code: 'start-interrupted', message: ''},
        description: 'VPN is down',
        startId: 'first',
      }),
  },
  {
    name: 'queued + start abandoned → no-op',
    from: queued,
    event: {type: 'start-abandoned'},
    to: 'same',
  },

  // The event stream
  {
    name: 'queued + operator joined → operator set, a joined notice',
    from: queued,
    event: received('2', sam),
    to: (next) => {
      expect(next.status).to.equal('queued');
      const c = 'chat' in next ? next.chat : null;
      expect(c?.operator).to.deep.equal({name: 'Sam'});
      expect(c?.items).to.deep.equal([
        {kind: 'notice', id: 'operator-2', notice: 'joined', name: 'Sam', at: AT},
      ]);
      expect(c?.lastEventId).to.equal('2');
    },
  },
  {
    name: 'queued + status engaged → engaged',
    from: queued,
    event: received('3', {type: 'status', status: 'engaged'}),
    to: status('engaged'),
  },
  {
    name: 'engaged + status queued → no-op (never backwards)',
    from: engaged,
    event: received('4', {type: 'status', status: 'queued'}),
    to: (next) => expect(next.status).to.equal('engaged'),
  },
  {
    name: 'an event at or before the last id → no-op (resume overlap)',
    from: engaged,
    event: received('1', {type: 'message', message: hello}),
    to: 'same',
  },
  {
    name: 'engaged + operator message → appended, typing off',
    from: {status: 'engaged', chat: chat({typing: true})},
    event: received('2', {type: 'message', message: hello}),
    to: (next) => {
      const c = 'chat' in next ? next.chat : null;
      expect(c?.items.map((i) => i.id)).to.deep.equal(['m1']);
      expect(c?.typing).to.equal(false);
    },
  },
  {
    name: 'engaged + the echo of an outbox message → moved from the outbox, once',
    from: {
      status: 'engaged',
      chat: chat({outbox: [{id: 'u1', text: 'Hi', at: AT, delivery: 'sent'}]}),
    },
    event: received('2', {type: 'message', message: mine}),
    to: (next) => {
      const c = 'chat' in next ? next.chat : null;
      expect(c?.items.map((i) => i.id)).to.deep.equal(['u1']);
      expect(c?.outbox).to.deep.equal([]);
    },
  },
  {
    name: 'a message already shown → only the id advances',
    from: {status: 'engaged', chat: chat({items: [{kind: 'message', ...hello}]})},
    event: received('2', {type: 'message', message: hello}),
    to: (next) => expect('chat' in next && next.chat?.items.length).to.equal(1),
  },
  {
    name: 'engaged + typing → typing on',
    from: engaged,
    event: received('2', {type: 'typing', typing: true}),
    to: (next) => expect('chat' in next && next.chat?.typing).to.equal(true),
  },
  {
    name: 'engaged + transfer → new operator, a transferred notice',
    from: engaged,
    event: received('2', {type: 'operator', operator: {name: 'Kim'}, change: 'transferred'}),
    to: (next) => {
      const c = 'chat' in next ? next.chat : null;
      expect(c?.operator?.name).to.equal('Kim');
      expect(c?.items[0]).to.include({notice: 'transferred', name: 'Kim'});
    },
  },
  {
    name: 'engaged + ended by operator → ended (operator)',
    from: engaged,
    event: received('2', {type: 'ended', by: 'operator'}),
    to: (next) => expect(next).to.include({status: 'ended', endedBy: 'operator'}),
  },
  {
    name: 'ended + status ended → no-op',
    from: ended,
    event: received('9', {type: 'status', status: 'ended'}),
    to: 'same',
  },
  {
    name: 'engaged + status ended without an ended event → ended (system)',
    from: engaged,
    event: received('2', {type: 'status', status: 'ended'}),
    to: (next) => expect(next).to.include({status: 'ended', endedBy: 'system'}),
  },
  {
    name: 'queued + status failed → failed with the reason',
    from: queued,
    event: received('2', {type: 'status', status: 'failed', reason: 'No agents are online.'}),
    to: (next) =>
      expect(next.status === 'failed' && next.problem).to.deep.equal({
        code: 'session-failed',
        message: 'No agents are online.',
      }),
  },
  {
    name: 'engaged + error event → an alert with the proxy words',
    from: engaged,
    event: received('2', {
      type: 'error',
      error: {code: 'glia-unavailable', message: 'Glia is down', hint: 'Wait'},
    }),
    to: (next) =>
      expect('chat' in next && next.chat?.alert).to.deep.equal({
        code: 'glia-unavailable',
        message: 'Glia is down',
        hint: 'Wait',
      }),
  },
  {
    name: 'idle + any stream event → no-op',
    from: idle,
    event: received('1', {type: 'typing', typing: true}),
    to: 'same',
  },
  {
    name: 'ended + a late message → no-op',
    from: ended,
    event: received('9', {type: 'message', message: hello}),
    to: 'same',
  },
  {
    name: 'a rejected frame → only the id advances',
    from: engaged,
    event: {type: 'frame-rejected', id: '5'},
    to: (next) => expect('chat' in next && next.chat?.lastEventId).to.equal('5'),
  },

  // Catch-up
  {
    name: 'snapshot after a reconnect → missing messages added, status moved forward',
    from: queued,
    event: {
      type: 'snapshot-loaded',
      snapshot: {
        ...started,
        status: 'engaged',
        operator: {name: 'Sam'},
        messages: [hello],
        lastEventId: '4',
      },
    },
    to: (next) => {
      expect(next.status).to.equal('engaged');
      const c = 'chat' in next ? next.chat : null;
      expect(c?.items.map((i) => i.id)).to.deep.equal(['m1']);
      expect(c?.operator?.name).to.equal('Sam');
    },
  },
  {
    name: 'snapshot of another session → no-op',
    from: queued,
    event: {type: 'snapshot-loaded', snapshot: {...started, id: 'other'}},
    to: 'same',
  },
  {
    name: 'snapshot ended by visitor → ended (visitor)',
    from: engaged,
    event: {type: 'snapshot-loaded', snapshot: {...started, status: 'ended', endedBy: 'visitor'}},
    to: (next) => expect(next).to.include({status: 'ended', endedBy: 'visitor'}),
  },

  // The outbox
  {
    name: 'engaged + message queued → outbox item sending',
    from: engaged,
    event: {type: 'message-queued', id: 'u1', text: 'Hi', at: AT},
    to: (next) =>
      expect('chat' in next && next.chat?.outbox).to.deep.equal([
        {id: 'u1', text: 'Hi', at: AT, delivery: 'sending'},
      ]),
  },
  {
    name: 'queued + message queued → no-op (no agent yet)',
    from: queued,
    event: {type: 'message-queued', id: 'u1', text: 'Hi', at: AT},
    to: 'same',
  },
  {
    name: 'sending + accepted → sent',
    from: {
      status: 'engaged',
      chat: chat({outbox: [{id: 'u1', text: 'Hi', at: AT, delivery: 'sending'}]}),
    },
    event: {type: 'message-accepted', message: mine},
    to: (next) => expect('chat' in next && next.chat?.outbox[0]?.delivery).to.equal('sent'),
  },
  {
    name: 'sending + failed → failed, with an alert when the proxy said why',
    from: {
      status: 'engaged',
      chat: chat({outbox: [{id: 'u1', text: 'Hi', at: AT, delivery: 'sending'}]}),
    },
    event: {type: 'message-failed', id: 'u1', problem: {code: 'too-long', message: 'Too long'}},
    to: (next) => {
      const c = 'chat' in next ? next.chat : null;
      expect(c?.outbox[0]?.delivery).to.equal('failed');
      expect(c?.alert?.message).to.equal('Too long');
    },
  },
  {
    name: 'failed + retried → sending, same id',
    from: {
      status: 'engaged',
      chat: chat({outbox: [{id: 'u1', text: 'Hi', at: AT, delivery: 'failed'}]}),
    },
    event: {type: 'message-retried', id: 'u1'},
    to: (next) =>
      expect('chat' in next && next.chat?.outbox[0]).to.include({id: 'u1', delivery: 'sending'}),
  },
  {
    name: 'sending + retried → no-op',
    from: {
      status: 'engaged',
      chat: chat({outbox: [{id: 'u1', text: 'Hi', at: AT, delivery: 'sending'}]}),
    },
    event: {type: 'message-retried', id: 'u1'},
    to: 'same',
  },

  // Files and choices
  {
    name: 'engaged + engaged again with a file policy (a transfer) → the new policy applies',
    from: engaged,
    event: received('9', {type: 'status', status: 'engaged', filePolicy: POLICY}),
    to: (next) => expect(next.status === 'engaged' && next.chat.filePolicy).to.deep.equal(POLICY),
  },
  {
    name: 'queued + engaged status with a file policy → engaged, files allowed',
    from: queued,
    event: received('2', {type: 'status', status: 'engaged', filePolicy: POLICY}),
    to: (next) => expect(next.status === 'engaged' && next.chat.filePolicy).to.deep.equal(POLICY),
  },
  {
    name: 'engaged with a policy + engaged again without one → file sending off',
    from: withFiles,
    event: received('9', {type: 'status', status: 'engaged'}),
    to: (next) => expect(next.status === 'engaged' && 'filePolicy' in next.chat).to.equal(false),
  },
  {
    name: 'a snapshot older than the last event does not take the file policy back',
    from: withFiles,
    event: {
      type: 'snapshot-loaded',
      snapshot: {...started, status: 'engaged', operator: {name: 'Sam'}, lastEventId: '0'},
    },
    to: 'same',
  },
  {
    name: 'a current snapshot without a policy turns files off',
    from: withFiles,
    event: {
      type: 'snapshot-loaded',
      snapshot: {...started, status: 'engaged', operator: {name: 'Sam'}, lastEventId: '1'},
    },
    to: (next) => expect(next.status === 'engaged' && next.chat.filePolicy).to.equal(undefined),
  },
  {
    name: 'engaged without a policy + files queued → no-op (file sending is off)',
    from: engaged,
    event: {type: 'message-queued', id: 'u1', text: '', at: AT, files: [pic]},
    to: 'same',
  },
  {
    name: 'engaged with a policy + files queued → one outbox message, its files waiting',
    from: withFiles,
    event: {type: 'message-queued', id: 'u1', text: 'See', at: AT, files: [pic]},
    to: (next) =>
      expect(next.status === 'engaged' && next.chat.outbox).to.deep.equal([
        {id: 'u1', text: 'See', at: AT, delivery: 'sending', files: [{...pic, stage: 'waiting'}]},
      ]),
  },
  {
    name: 'waiting file + upload started → uploading',
    from: pending('waiting'),
    event: {type: 'upload-started', id: 'f1'},
    to: (next) => expect(stageOf(next)).to.equal('uploading'),
  },
  {
    name: 'uploading + accepted (scanning) → scanning',
    from: pending('uploading'),
    event: {type: 'upload-accepted', upload: {...upload, status: 'scanning'}},
    to: (next) => expect(stageOf(next)).to.equal('scanning'),
  },
  {
    name: 'scanning + upload event ready → ready, and the message may go',
    from: pending('scanning'),
    event: received('2', {type: 'upload', upload: {...upload, status: 'ready'}}),
    to: (next) => {
      expect(stageOf(next)).to.equal('ready');
      expect(next.status === 'engaged' && deliverable(next.chat.outbox[0]!)).to.equal(true);
    },
  },
  {
    name: 'ready + a late repeat saying scanning → no-op (never backwards)',
    from: pending('ready'),
    event: {type: 'upload-accepted', upload: {...upload, status: 'scanning'}},
    to: 'same',
  },
  {
    name: 'scanning + infected → infected, the message never goes',
    from: pending('scanning'),
    event: received('2', {type: 'upload', upload: {...upload, status: 'infected'}}),
    to: (next) => {
      expect(stageOf(next)).to.equal('infected');
      expect(next.status === 'engaged' && deliverable(next.chat.outbox[0]!)).to.equal(false);
    },
  },
  {
    name: 'uploading + interrupted (no answer) → waiting again',
    from: pending('uploading'),
    event: {type: 'upload-interrupted', id: 'f1'},
    to: (next) => expect(stageOf(next)).to.equal('waiting'),
  },
  {
    name: 'uploading + failed → failed, then retried → waiting (same id)',
    from: pending('uploading'),
    event: {type: 'upload-failed', id: 'f1'},
    to: (next) => {
      expect(stageOf(next)).to.equal('failed');
      expect(stageOf(transition(next, {type: 'upload-retried', id: 'f1'}))).to.equal('waiting');
    },
  },
  {
    name: 'a file without text removed → its message goes too',
    from: pending('infected'),
    event: {type: 'upload-removed', id: 'f1'},
    to: (next) => expect(next.status === 'engaged' && next.chat.outbox).to.deep.equal([]),
  },
  {
    name: 'a file with text removed → the text is still sent',
    from: pending('uploading', 'See'),
    event: {type: 'upload-removed', id: 'f1'},
    to: (next) =>
      expect(next.status === 'engaged' && next.chat.outbox).to.deep.equal([
        {id: 'u1', text: 'See', at: AT, delivery: 'sending', files: undefined},
      ]),
  },
  {
    name: 'an answer queued while another to the same question is pending → no-op',
    from: {
      status: 'engaged',
      chat: chat({
        outbox: [
          {
            id: 'u1',
            text: 'Yes',
            at: AT,
            delivery: 'sending',
            answer: {messageId: 'q', value: 'y'},
          },
        ],
      }),
    },
    event: {
      type: 'message-queued',
      id: 'u2',
      text: 'No',
      at: AT,
      answer: {messageId: 'q', value: 'n'},
    },
    to: 'same',
  },
  {
    name: 'a confirmed answer keeps its answer even if the proxy did not echo it',
    from: {
      status: 'engaged',
      chat: chat({
        outbox: [
          {id: 'u1', text: 'Yes', at: AT, delivery: 'sent', answer: {messageId: 'q', value: 'y'}},
        ],
      }),
    },
    event: received('2', {
      type: 'message',
      message: {id: 'u1', from: 'visitor', text: 'Yes', at: AT},
    }),
    to: (next) => expect(next.status === 'engaged' && answerTo(next.chat, 'q')).to.equal('y'),
  },

  // Connection, alerts, loss, reset
  {
    name: 'engaged + link offline → offline',
    from: engaged,
    event: {type: 'link-changed', link: 'offline'},
    to: (next) => expect('chat' in next && next.chat?.link).to.equal('offline'),
  },
  {
    name: 'engaged + the same link → no-op',
    from: engaged,
    event: {type: 'link-changed', link: 'live'},
    to: 'same',
  },
  {
    name: 'alert dismissed without an alert → no-op',
    from: engaged,
    event: {type: 'alert-dismissed'},
    to: 'same',
  },
  {
    name: 'engaged + session lost → failed, transcript kept',
    from: engaged,
    event: {type: 'session-lost', problem: {code: 'session-lost', message: ''}},
    to: (next) => expect(next.status === 'failed' && next.chat?.id).to.equal('s1'),
  },
  {
    name: 'ended + reset → idle',
    from: ended,
    event: {type: 'reset'},
    to: (next) => expect(next).to.deep.equal(initialState),
  },
  {name: 'failed + reset → idle', from: failedTicket, event: {type: 'reset'}, to: status('idle')},
  {
    name: 'engaged + reset → no-op (end it first)',
    from: engaged,
    event: {type: 'reset'},
    to: 'same',
  },
];

describe('transition(state, event)', () => {
  for (const row of rows) {
    it(row.name, () => {
      const next = transition(row.from, row.event);
      if (row.to === 'same') expect(next).to.equal(row.from);
      else {
        expect(next).not.to.equal(row.from);
        row.to(next);
      }
    });
  }
});

describe('sortFiles(chat, files)', () => {
  const policy = {contentTypes: ['image/png'], maxBytes: 40 * 1024 * 1024};
  const file = (type: string, size: number) => ({type, size});

  it('takes nothing without a file policy', () => {
    const png = file('image/png', 10);
    expect(sortFiles(chat(), [png])).to.deep.equal({taken: [], refused: [[png, 'type']]});
  });

  it('refuses a type or size the policy forbids, and what would overfill the pending quota', () => {
    const ok = file('image/png', 20 * 1024 * 1024);
    const exe = file('application/x-msdownload', 10);
    const huge = file('image/png', 41 * 1024 * 1024);
    const more = file('image/png', PENDING_FILE_BYTES - ok.size + 1);
    const small = file('image/png', 10);
    expect(sortFiles(chat({filePolicy: policy}), [ok, exe, huge, more, small])).to.deep.equal({
      taken: [ok, small],
      refused: [
        [exe, 'type'],
        [huge, 'size'],
        [more, 'quota'],
      ],
    });
  });
});
