/**
 * @module A session's event log: every ChatEvent the browser should see, numbered from 1. SSE
 * streams read it from any position, so a stream that resumes after `Last-Event-ID` gets exactly
 * the events it missed, once.
 */
import type {ChatEvent} from '../../wire/handoff/index.js';

/** An event and its position in the log (its SSE `id`). */
export interface LoggedEvent {
  id: number;
  event: ChatEvent;
}

/** Append-only; listeners hear of each append and of the close. */
export class EventLog {
  private readonly events: LoggedEvent[] = [];
  private readonly listeners = new Set<() => void>();
  private isClosed = false;

  /** Appends `event` and wakes every waiting stream. */
  append(event: ChatEvent): LoggedEvent {
    const logged = {id: this.events.length + 1, event};
    this.events.push(logged);
    this.notify();
    return logged;
  }

  /** The events after position `id` (0 = all), in order; at most `limit` of them. */
  after(id: number, limit = Number.POSITIVE_INFINITY): LoggedEvent[] {
    const start = Math.max(0, id);
    return this.events.slice(start, start + limit);
  }

  /** Every event, in order. */
  all(): readonly LoggedEvent[] {
    return this.events;
  }

  /** The id of the last event, 0 when empty. */
  get lastId(): number {
    return this.events.length;
  }

  /** True once the session is gone: streams stop. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Calls `listener` on every append and on close; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.isClosed = true;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
