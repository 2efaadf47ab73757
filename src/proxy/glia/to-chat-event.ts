/**
 * @module Where Glia's words become ours: a Glia chat message becomes a `message` event, a failure
 * reason becomes a sentence the widget can show, an end reason says who ended. Pure functions; the
 * session state around them lives in handoff.ts.
 */
import type {ChatMessage as GliaChatMessage} from '../../wire/glia/index.js';
import type {ChatEvent, EndedBy} from '../../wire/handoff/index.js';

/** Shown when Glia does not tell us the operator's name (or the lookup fails). */
export const GENERIC_OPERATOR_NAME = 'Support agent';

/**
 * The `message` event for a Glia message aimed at the visitor, or `undefined` for one aimed at the
 * operator (the visitor's own messages come back that way, docs/glia.md, "Webhooks").
 */
export function toMessageEvent(message: GliaChatMessage): ChatEvent | undefined {
  if (message.target !== 'visitor') return undefined;
  return {
    type: 'message',
    message: {
      id: message.id,
      from: message.sender.type === 'system' ? 'system' : 'operator',
      text: message.content,
      at: message.timestamp,
    },
  };
}

const FAILURE_REASONS: Record<string, string> = {
  queue_closed:
    'The support team is not available right now (the queue is closed). Please try again during opening hours.',
  queue_full: 'All agents are busy and the queue is full. Please try again in a few minutes.',
  no_operators: 'No agent is available right now. Please try again later.',
  no_operators_available: 'No agent is available right now. Please try again later.',
  unstaffed: 'No agent is available right now. Please try again later.',
  operator_declined: 'No agent could take your request. Please try again later.',
  timeout: 'No agent answered in time. Please try again later.',
};

/** A sentence for the widget from Glia's failure reason (unknown reasons get a general one). */
export function failureReason(reason: string | undefined): string {
  return (
    (reason && FAILURE_REASONS[reason]) ??
    'No agent could take the conversation. Please try again later.'
  );
}

/** Who ended an engagement, from the `end_reason` of `engagement.end`. */
export function endedBy(endReason: string | undefined): EndedBy {
  if (endReason === 'visitor_left' || endReason === 'visitor_hung_up') return 'visitor';
  if (endReason === 'error') return 'system';
  return 'operator';
}
