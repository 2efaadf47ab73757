/**
 * @module The session as one discriminated union and a pure `transition(state, event)`.
 * States are nouns, events are facts that happened, and an event a state does not accept returns
 * the same state object (a no-op the caller can detect with `===`). Nothing here reads a clock,
 * the network or storage: callers pass times and ids in the events.
 */
import type {
  ChatEvent,
  ChatMessage,
  EndedBy,
  Operator,
  SessionSnapshot,
} from '../../wire/handoff/index.js';

/** A visitor message not yet confirmed by the session's event log. */
export interface OutboxItem {
  /** The uuid chosen when the person pressed send; every retry reuses it. */
  id: string;
  text: string;
  /** Local ISO time of the send. */
  at: string;
  /** `sent` = the proxy accepted it; it leaves the outbox when its event arrives. */
  delivery: 'sending' | 'sent' | 'failed';
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
}

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
  | {status: 'starting'; description: string}
  | {status: 'queued'; chat: Chat}
  | {status: 'engaged'; chat: Chat}
  | {status: 'ended'; chat: Chat; endedBy: EndedBy}
  | {status: 'failed'; chat: Chat | null; problem: Problem; description?: string};

/** What a started session looks like on the wire (StartSessionResponse's `session`). */
export type StartedSession = SessionSnapshot & {token: string};

export type SessionEvent =
  | {type: 'start-requested'; description: string}
  | {type: 'start-succeeded'; session: StartedSession}
  | {type: 'start-failed'; problem: Problem}
  /** A restored `starting` that no tab is working on any more (it closed mid-request). */
  | {type: 'start-abandoned'}
  /** A frame of the event stream; `id` is its SSE id, `at` the local time it arrived. */
  | {type: 'event-received'; id: string | null; event: ChatEvent; at: string}
  /** A frame that failed validation: only its id is kept, so a resume skips it. */
  | {type: 'frame-rejected'; id: string | null}
  | {type: 'snapshot-loaded'; snapshot: SessionSnapshot}
  | {type: 'message-queued'; id: string; text: string; at: string}
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
  };
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
  return {
    ...chat,
    outbox,
    items: [...chat.items, {kind: 'message', ...message}],
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
    case 'status':
      if (RANK[event.status] <= RANK[state.status]) return state;
      return settle(chat, event.status, {reason: event.reason});
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
    case 'upload':
      // Uploads are not drawn yet (docs/contract.md, "Files and choices").
      return state;
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
      return {status: 'starting', description: event.description};

    case 'start-succeeded':
      if (state.status !== 'starting') return state;
      return settle(newChat(event.session, state.description), event.session.status, event.session);

    case 'start-failed':
      if (state.status !== 'starting') return state;
      return {status: 'failed', chat: null, problem: event.problem, description: state.description};

    case 'start-abandoned':
      return state.status === 'starting' ? initialState : state;

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
      if (RANK[snapshot.status] > RANK[state.status])
        return settle(chat, snapshot.status, snapshot);
      return chat === state.chat ? state : {...state, chat};
    }

    case 'message-queued': {
      if (state.status !== 'engaged') return state;
      const item: OutboxItem = {id: event.id, text: event.text, at: event.at, delivery: 'sending'};
      return {...state, chat: {...state.chat, outbox: [...state.chat.outbox, item]}};
    }

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
