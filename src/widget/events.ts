/**
 * @module The events `<glia-handoff>` fires: one class each, registered in the global event map so
 * `addEventListener('glia-message', e => e.message)` is typed. All bubble and cross the shadow
 * boundary; none is cancelable. They report changes the person caused or that arrived from the
 * agent; restoring a conversation after a reload fires none.
 */
import type {ChatMessage, Operator} from '../wire/handoff/index.js';
import type {Problem, Status} from './store/session-state.js';

const init = {bubbles: true, composed: true};

/** The session moved to another status (`idle`, `starting`, `queued`, `engaged`, `ended`, `failed`). */
export class GliaStatusChangeEvent extends Event {
  readonly status: Status;
  readonly previous: Status;
  constructor(status: Status, previous: Status) {
    super('glia-status-change', init);
    this.status = status;
    this.previous = previous;
  }
}

/** A message joined the conversation: the agent's, or the visitor's once the proxy confirmed it. */
export class GliaMessageEvent extends Event {
  readonly message: ChatMessage;
  constructor(message: ChatMessage) {
    super('glia-message', init);
    this.message = message;
  }
}

/** An agent joined, or the chat was transferred to another. */
export class GliaOperatorChangeEvent extends Event {
  readonly operator: Operator;
  constructor(operator: Operator) {
    super('glia-operator-change', init);
    this.operator = operator;
  }
}

/** Something went wrong; `problem` carries the proxy's code, plain message and hint. */
export class GliaErrorEvent extends Event {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super('glia-error', init);
    this.problem = problem;
  }
}

/** The panel opened or closed. */
export class GliaOpenChangeEvent extends Event {
  readonly open: boolean;
  constructor(open: boolean) {
    super('glia-open-change', init);
    this.open = open;
  }
}

/** The number of agent messages the visitor has not seen (panel closed) changed. */
export class GliaUnreadChangeEvent extends Event {
  readonly unread: number;
  constructor(unread: number) {
    super('glia-unread-change', init);
    this.unread = unread;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'glia-status-change': GliaStatusChangeEvent;
    'glia-message': GliaMessageEvent;
    'glia-operator-change': GliaOperatorChangeEvent;
    'glia-error': GliaErrorEvent;
    'glia-open-change': GliaOpenChangeEvent;
    'glia-unread-change': GliaUnreadChangeEvent;
  }
}
