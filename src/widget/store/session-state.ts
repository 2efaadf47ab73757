/**
 * @module The session as one discriminated union and a pure `transition(state, event)`.
 * States are nouns, events are facts that happened, and an event a state does not accept returns
 * the same state object (a no-op the caller can detect with `===`). Nothing here reads a clock,
 * the network or storage: callers pass times and ids in the events.
 */
import type {
  ChatEvent,
  ChatMessage,
  ChoiceAnswer,
  EndedBy,
  FilePolicy,
  Operator,
  SessionSnapshot,
  Upload,
} from '../../wire/handoff/index.js';

/**
 * Where one of the visitor's files stands: `waiting` to go up (in line, offline, or its tab
 * closed mid-upload), `uploading`, then Glia's scan (`scanning`, `ready`, `infected`), or
 * `failed` (the proxy refused it; the person may retry with the same id).
 */
export type FileStage = 'waiting' | 'uploading' | Upload['status'] | 'failed';

/** A file on an outbox message; `id` is the upload id the browser chose, kept on every retry. */
export interface OutboxFile {
  id: string;
  name: string;
  size: number;
  contentType: string;
  stage: FileStage;
}

/** A visitor message not yet confirmed by the session's event log. */
export interface OutboxItem {
  /** The uuid chosen when the person pressed send; every retry reuses it. */
  id: string;
  text: string;
  /** Local ISO time of the send. */
  at: string;
  /** `sent` = the proxy accepted it; it leaves the outbox when its event arrives. */
  delivery: 'sending' | 'sent' | 'failed';
  /** Files going with it: the message is sent once every one is `ready`. */
  files?: OutboxFile[];
  /** The option the person chose for an agent's question. */
  answer?: ChoiceAnswer;
}

/**
 * Bytes of files the widget keeps in IndexedDB while they wait to go up (offline, in line).
 * One place for the number: the composer refuses a file that would pass it.
 */
export const PENDING_FILE_BYTES = 50 * 1024 * 1024;

/** Content types shown inline as thumbnails. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** Why a file was not taken: a type or size the policy forbids, or the pending quota is full. */
export type FileRefusal = 'type' | 'size' | 'quota';

/** Stages whose bytes still wait in this browser (not yet accepted by the proxy). */
const HELD: FileStage[] = ['waiting', 'uploading', 'failed'];

/** The files of the visitor's unconfirmed messages, oldest first. */
export const outboxFiles = (chat: Chat): OutboxFile[] => chat.outbox.flatMap((m) => m.files ?? []);

/** The bytes of the files that still wait in this browser. */
export function heldBytes(chat: Chat): number {
  let total = 0;
  for (const file of outboxFiles(chat)) if (HELD.includes(file.stage)) total += file.size;
  return total;
}

/**
 * Split files the person picked into the ones the chat takes and the ones it refuses, and why.
 * Without a file policy (queued, or file sending off) nothing is taken.
 */
export function sortFiles<T extends {type: string; size: number}>(
  chat: Chat,
  files: T[]
): {taken: T[]; refused: Array<[T, FileRefusal]>} {
  const policy = chat.filePolicy;
  const taken: T[] = [];
  const refused: Array<[T, FileRefusal]> = [];
  let room = PENDING_FILE_BYTES - heldBytes(chat);
  for (const file of files) {
    const why: FileRefusal | null = !policy?.contentTypes.includes(file.type)
      ? 'type'
      : file.size > policy.maxBytes
        ? 'size'
        : file.size > room
          ? 'quota'
          : null;
    if (why) refused.push([file, why]);
    else {
      taken.push(file);
      room -= file.size;
    }
  }
  return {taken, refused};
}

/** Whether an outbox message may be PUT now: it is due and every file it names is ready. */
export function deliverable(item: OutboxItem): boolean {
  return item.delivery === 'sending' && (item.files ?? []).every((f) => f.stage === 'ready');
}

/** The option chosen for the question `messageId`, confirmed or on its way, if any. */
export function answerTo(chat: Chat, messageId: string): string | undefined {
  for (const line of [...chat.items, ...chat.outbox]) {
    if ('answer' in line && line.answer?.messageId === messageId) return line.answer.value;
  }
  return undefined;
}

/** A line of the transcript: a message from the log, or a notice the widget writes itself. */
export type TranscriptItem =
  | ({kind: 'message'} & ChatMessage)
  | {kind: 'notice'; id: string; notice: 'joined' | 'transferred'; name: string; at: string};

/**
 * The state of the connection to the proxy's event stream, as the visitor should see it:
 * `offline` is the visitor's own network (the browser says so), `down` is the chat service not
 * answering while the network is fine (a restart, a 503): two different things to tell a person.
 */
export type Link = 'connecting' | 'live' | 'offline' | 'down';

/** Something the visitor should be told about, in the proxy's plain words when it gave some. */
export interface Problem {
  /** `network`, `session-failed`, `session-lost`, or the proxy's ErrorBody code. */
  code: string;
  /** Plain words; empty when the widget should use its own for `code`. */
  message: string;
  hint?: string;
  /** Epoch ms before which trying again is pointless (from `Retry-After`). */
  retryAt?: number;
}

/** A running or finished conversation. */
export interface Chat {
  id: string;
  token: string;
  createdAt: string;
  /** What the person said they need (the queued view shows it back). */
  description: string;
  /** The queue's usual wait in seconds, when Glia reports one (the queued view says so). */
  estimatedWaitSeconds?: number;
  operator: Operator | null;
  /** Confirmed items, in the order of the session's event log. */
  items: TranscriptItem[];
  /** Own messages not yet in `items`, in the order they were sent. */
  outbox: OutboxItem[];
  lastEventId: string | null;
  typing: boolean;
  link: Link;
  /** A problem to show in the chat (an `error` event, a send the proxy refused). */
  alert: Problem | null;
  /** What the visitor may upload; absent while queued or when file sending is off. */
  filePolicy?: FilePolicy;
}

/** A start its tab left mid-request (it closed or reloaded): the widget words it itself. */
const INTERRUPTED: Problem = {code: 'start-interrupted', message: ''};

export const STATUS = {
  idle: 'idle',
  starting: 'starting',
  queued: 'queued',
  engaged: 'engaged',
  ended: 'ended',
  failed: 'failed',
} as const;
export type Status = (typeof STATUS)[keyof typeof STATUS];

export type SessionState =
  | {status: 'idle'}
  /** `startId`: the start's own uuid, sent again with a retry so the proxy files one ticket. */
  | {status: 'starting'; description: string; startId?: string}
  | {status: 'queued'; chat: Chat}
  | {status: 'engaged'; chat: Chat}
  | {status: 'ended'; chat: Chat; endedBy: EndedBy}
  | {status: 'failed'; chat: Chat | null; problem: Problem; description?: string; startId?: string};

/** What a started session looks like on the wire (StartSessionResponse's `session`). */
export type StartedSession = SessionSnapshot & {token: string};

export type SessionEvent =
  /** `startId`: a fresh uuid, used unless the start is a retry of one that has its own. */
  | {type: 'start-requested'; description: string; startId: string}
  | {type: 'start-succeeded'; session: StartedSession}
  | {type: 'start-failed'; problem: Problem}
  /** A restored `starting` that no tab is working on any more (it closed mid-request). */
  | {type: 'start-abandoned'}
  /** A frame of the event stream; `id` is its SSE id, `at` the local time it arrived. */
  | {type: 'event-received'; id: string | null; event: ChatEvent; at: string}
  /** A frame that failed validation: only its id is kept, so a resume skips it. */
  | {type: 'frame-rejected'; id: string | null}
  | {type: 'snapshot-loaded'; snapshot: SessionSnapshot}
  | {
      type: 'message-queued';
      id: string;
      text: string;
      at: string;
      /** Files the person attached, as picked (the outbox sends them once scanned). */
      files?: Array<Omit<OutboxFile, 'stage'>>;
      answer?: ChoiceAnswer;
    }
  | {type: 'upload-started'; id: string}
  /** The proxy took the bytes (its answer to the PUT), or the scan reported (an `upload` event). */
  | {type: 'upload-accepted'; upload: Upload}
  /** No answer (offline, proxy down): the file waits to go up again. */
  | {type: 'upload-interrupted'; id: string}
  | {type: 'upload-failed'; id: string; problem?: Problem}
  | {type: 'upload-retried'; id: string}
  /** The person cancelled the upload or removed the file (an infected one, say). */
  | {type: 'upload-removed'; id: string}
  | {type: 'message-accepted'; message: ChatMessage}
  | {type: 'message-failed'; id: string; problem?: Problem}
  | {type: 'message-retried'; id: string}
  | {type: 'link-changed'; link: Link}
  | {type: 'alert-raised'; problem: Problem}
  | {type: 'alert-dismissed'}
  /** The proxy no longer knows the session (401/404): keep the transcript, offer a new start. */
  | {type: 'session-lost'; problem: Problem}
  | {type: 'reset'};

export const initialState: SessionState = {status: 'idle'};

/** The chat of a state, if it has one. */
export function chatOf(state: SessionState): Chat | null {
  return 'chat' in state ? state.chat : null;
}

/** Whether an ended chat never reached an agent (cancelled or closed while still queued). */
export function endedUnanswered(state: SessionState): boolean {
  return state.status === 'ended' && state.chat.operator === null;
}

/** The session is gone from the proxy (401/404): the transcript stays, the chat cannot go on. */
export function isLost(state: SessionState): boolean {
  return state.status === 'failed' && state.problem.code === 'session-lost';
}

/** Own messages that never reached the agent, oldest first (a lost chat keeps them as a draft). */
export function unsentTexts(chat: Chat): string[] {
  return chat.outbox.filter((m) => m.delivery !== 'sent').map((m) => m.text);
}

/** Whether the session is waiting or talking, i.e. holds a live event stream. */
export function isActive(
  state: SessionState
): state is Extract<SessionState, {status: 'queued' | 'engaged'}> {
  return state.status === 'queued' || state.status === 'engaged';
}

/** SSE ids are a per-session integer sequence; compare them as numbers. */
function isAfter(id: string | null, last: string | null): boolean {
  return id === null || last === null || Number(id) > Number(last);
}

function newChat(session: StartedSession, description: string): Chat {
  return {
    id: session.id,
    token: session.token,
    createdAt: session.createdAt,
    description,
    ...(session.estimatedWaitSeconds ? {estimatedWaitSeconds: session.estimatedWaitSeconds} : {}),
    operator: session.operator,
    items: session.messages.map((m) => ({kind: 'message', ...m})),
    outbox: [],
    lastEventId: session.lastEventId,
    typing: false,
    link: 'connecting',
    alert: null,
    ...(session.filePolicy ? {filePolicy: session.filePolicy} : {}),
  };
}

/** The chat with file policy `policy` (none: file sending is off). */
function withPolicy(chat: Chat, policy: FilePolicy | undefined): Chat {
  const {filePolicy: _, ...rest} = chat;
  return policy ? {...rest, filePolicy: policy} : rest;
}

/** Change the stage of the outbox file `id` (only from the stages in `from`, when given). */
function mapFile(chat: Chat, id: string, stage: FileStage, from?: FileStage[]): Chat {
  let changed = false;
  const outbox = chat.outbox.map((item) => {
    const file = item.files?.find((f) => f.id === id);
    if (!file || file.stage === stage || (from && !from.includes(file.stage))) return item;
    changed = true;
    return {...item, files: item.files!.map((f) => (f.id === id ? {...f, stage} : f))};
  });
  return changed ? {...chat, outbox} : chat;
}

/** Take the outbox file `id` away; a message left with neither text nor files goes too. */
function removeFile(chat: Chat, id: string): Chat {
  const item = chat.outbox.find((m) => m.files?.some((f) => f.id === id));
  if (!item || item.delivery === 'sent') return chat;
  const files = item.files!.filter((f) => f.id !== id);
  const outbox =
    files.length || item.text
      ? chat.outbox.map((m) => (m === item ? {...m, files: files.length ? files : undefined} : m))
      : chat.outbox.filter((m) => m !== item);
  return {...chat, outbox};
}

/** The scan's word on an upload, or the proxy's answer to it (a repeat PUT says it again). */
function applyUpload(chat: Chat, upload: Upload): Chat {
  return mapFile(chat, upload.id, upload.status, ['waiting', 'uploading', 'failed', 'scanning']);
}

/** The state a chat is in once the proxy reports `status` (with the reason/ender when known). */
function settle(
  chat: Chat,
  status: SessionSnapshot['status'],
  detail: {endedBy?: EndedBy; reason?: string}
): SessionState {
  switch (status) {
    case 'queued':
    case 'engaged':
      return {status, chat};
    case 'ended':
      return {status, chat: {...chat, typing: false}, endedBy: detail.endedBy ?? 'system'};
    case 'failed':
      return {
        status,
        chat: {...chat, typing: false},
        problem: {code: 'session-failed', message: detail.reason ?? ''},
      };
  }
}

/** How far along a status is: the widget never moves a session backwards. */
const RANK: Record<SessionSnapshot['status'], number> = {
  queued: 0,
  engaged: 1,
  ended: 2,
  failed: 2,
};

function appendMessage(chat: Chat, message: ChatMessage): Chat {
  const outbox = chat.outbox.filter((m) => m.id !== message.id);
  if (chat.items.some((i) => i.id === message.id)) {
    return outbox.length === chat.outbox.length ? chat : {...chat, outbox};
  }
  // An answer stays one, even if the confirmed message does not repeat it: the question stays frozen.
  const answer = message.answer ?? chat.outbox.find((m) => m.id === message.id)?.answer;
  return {
    ...chat,
    outbox,
    items: [...chat.items, {kind: 'message', ...message, ...(answer ? {answer} : {})}],
    typing: message.from === 'operator' ? false : chat.typing,
  };
}

function applyChatEvent(
  state: Extract<SessionState, {status: 'queued' | 'engaged'}>,
  event: ChatEvent,
  eventId: string | null,
  at: string
): SessionState {
  const chat = state.chat;
  switch (event.type) {
    case 'status': {
      // An engaged event says what may be uploaded; without a policy, file sending is off.
      const next = event.status === 'engaged' ? withPolicy(chat, event.filePolicy) : chat;
      // Engaged again (a transfer): the new agent's policy applies.
      if (event.status === 'engaged' && state.status === 'engaged') return {...state, chat: next};
      if (RANK[event.status] <= RANK[state.status]) return state;
      return settle(next, event.status, {reason: event.reason});
    }
    case 'message':
      return {...state, chat: appendMessage(chat, event.message)};
    case 'typing':
      return {...state, chat: {...chat, typing: event.typing}};
    case 'operator': {
      const notice: TranscriptItem = {
        kind: 'notice',
        id: `operator-${eventId ?? at}`,
        notice: event.change,
        name: event.operator.name,
        at,
      };
      return {
        ...state,
        chat: {...chat, operator: event.operator, items: [...chat.items, notice]},
      };
    }
    case 'ended':
      return settle(chat, 'ended', {endedBy: event.by});
    case 'error':
      return {...state, chat: {...chat, alert: {...event.error}}};
    case 'upload': {
      const next = applyUpload(chat, event.upload);
      return next === chat ? state : {...state, chat: next};
    }
  }
}

function mapOutbox(state: SessionState, id: string, delivery: OutboxItem['delivery']) {
  if (state.status !== 'engaged') return state;
  const item = state.chat.outbox.find((m) => m.id === id);
  if (!item || item.delivery === delivery) return state;
  const outbox = state.chat.outbox.map((m) => (m.id === id ? {...m, delivery} : m));
  return {...state, chat: {...state.chat, outbox}};
}

/** Replace the chat of a state that has one; other states are returned unchanged. */
function withChat(state: SessionState, change: (chat: Chat) => Chat): SessionState {
  if (!('chat' in state) || !state.chat) return state;
  const chat = change(state.chat);
  return chat === state.chat ? state : ({...state, chat} as SessionState);
}

/** The next state of the session after `event`. Pure; returns `state` itself for a no-op. */
export function transition(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'start-requested':
      if (state.status !== 'idle' && !(state.status === 'failed' && !state.chat)) return state;
      return {
        status: 'starting',
        description: event.description,
        startId: (state.status === 'failed' && state.startId) || event.startId,
      };

    case 'start-succeeded':
      if (state.status !== 'starting') return state;
      return settle(newChat(event.session, state.description), event.session.status, event.session);

    case 'start-failed':
      if (state.status !== 'starting') return state;
      return {...state, status: 'failed', chat: null, problem: event.problem};

    case 'start-abandoned':
      // The question may have reached the proxy: trying again under its startId files it once.
      if (state.status !== 'starting') return state;
      return {...state, status: 'failed', chat: null, problem: INTERRUPTED};

    case 'event-received': {
      if (!isActive(state) || !isAfter(event.id, state.chat.lastEventId)) return state;
      const next = applyChatEvent(state, event.event, event.id, event.at);
      return withChat(next, (chat) =>
        event.id === null ? chat : {...chat, lastEventId: event.id}
      );
    }

    case 'frame-rejected':
      if (!isActive(state) || event.id === null || !isAfter(event.id, state.chat.lastEventId)) {
        return state;
      }
      return {...state, chat: {...state.chat, lastEventId: event.id}};

    case 'snapshot-loaded': {
      const {snapshot} = event;
      if (!isActive(state) || snapshot.id !== state.chat.id) return state;
      let chat = state.chat;
      for (const message of snapshot.messages) chat = appendMessage(chat, message);
      if (snapshot.operator && snapshot.operator.name !== chat.operator?.name) {
        chat = {...chat, operator: snapshot.operator};
      }
      if (snapshot.estimatedWaitSeconds !== chat.estimatedWaitSeconds)
        chat = {...chat, estimatedWaitSeconds: snapshot.estimatedWaitSeconds};
      // A snapshot older than the stream's last event (fetched while still queued) does not
      // take back the policy that event brought.
      const current = !isAfter(chat.lastEventId, snapshot.lastEventId);
      if (current && JSON.stringify(snapshot.filePolicy) !== JSON.stringify(chat.filePolicy))
        chat = withPolicy(chat, snapshot.filePolicy);
      for (const upload of snapshot.uploads ?? []) chat = applyUpload(chat, upload);
      if (RANK[snapshot.status] > RANK[state.status])
        return settle(chat, snapshot.status, snapshot);
      return chat === state.chat ? state : {...state, chat};
    }

    case 'message-queued': {
      if (state.status !== 'engaged') return state;
      const {id, text, at, files, answer} = event;
      if (files && !state.chat.filePolicy) return state;
      const item: OutboxItem = {id, text, at, delivery: 'sending'};
      if (files?.length) item.files = files.map((f) => ({...f, stage: 'waiting'}));
      if (answer) {
        if (answerTo(state.chat, answer.messageId) !== undefined) return state;
        item.answer = answer;
      }
      if (!text && !item.files) return state;
      return {...state, chat: {...state.chat, outbox: [...state.chat.outbox, item]}};
    }

    case 'upload-started':
      return withChat(state, (chat) => mapFile(chat, event.id, 'uploading', ['waiting']));

    case 'upload-accepted':
      return withChat(state, (chat) => applyUpload(chat, event.upload));

    case 'upload-interrupted':
      return withChat(state, (chat) => mapFile(chat, event.id, 'waiting', ['uploading']));

    case 'upload-failed': {
      const next = withChat(state, (chat) => mapFile(chat, event.id, 'failed', ['uploading']));
      const problem = event.problem;
      return problem && next !== state
        ? withChat(next, (chat) => ({...chat, alert: problem}))
        : next;
    }

    case 'upload-retried':
      return withChat(state, (chat) => mapFile(chat, event.id, 'waiting', ['failed']));

    case 'upload-removed':
      return withChat(state, (chat) => removeFile(chat, event.id));

    case 'message-accepted':
      return mapOutbox(state, event.message.id, 'sent');

    case 'message-failed': {
      const next = mapOutbox(state, event.id, 'failed');
      const problem = event.problem;
      return problem ? withChat(next, (chat) => ({...chat, alert: problem})) : next;
    }

    case 'message-retried': {
      const item = chatOf(state)?.outbox.find((m) => m.id === event.id);
      return item?.delivery === 'failed' ? mapOutbox(state, event.id, 'sending') : state;
    }

    case 'link-changed':
      if (!isActive(state) || state.chat.link === event.link) return state;
      return {...state, chat: {...state.chat, link: event.link}};

    case 'alert-raised':
      return withChat(state, (chat) => ({...chat, alert: event.problem}));

    case 'alert-dismissed':
      return withChat(state, (chat) => (chat.alert ? {...chat, alert: null} : chat));

    case 'session-lost': {
      const chat = chatOf(state);
      if (!chat || !isActive(state)) return state;
      return {status: 'failed', chat: {...chat, typing: false}, problem: event.problem};
    }

    case 'reset':
      return state.status === 'ended' || state.status === 'failed' ? initialState : state;
  }
}
