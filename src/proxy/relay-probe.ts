/**
 * @module The proxy's own time per relayed event, from a webhook delivery's arrival to the SSE
 * frame handed to the visitor's socket: a hook for `npm run bench` (bench/residence.ts), absent
 * in production. Only the two ends are reported; the bench pairs them by session and event id,
 * on Redis too, where the frame may be written after the round trip through the store's watch.
 */
export interface RelayProbe {
  /** A delivery that arrived at `receivedAt` (`performance.now()`) appended these events. */
  appended(sessionId: string, eventIds: readonly number[], receivedAt: number): void;
  /** The frame of this event went to the socket. */
  written(sessionId: string, eventId: number): void;
}
