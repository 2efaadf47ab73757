/**
 * @module The event streams open on this instance, per session: counted (an idle sweep spares a
 * watched session, the metrics show the total) and closable all at once (a stopping instance
 * closes its streams so their browsers reconnect elsewhere).
 */

/** An open stream, as this registry knows it: the stream object itself, kept as it is. */
export interface OpenStream {
  readonly sessionId: string;
  /** Asks the stream to end; it calls `leave` once it has. */
  close(): void;
}

export class OpenStreams {
  private readonly open = new Set<OpenStream>();
  private readonly perSession = new Map<string, number>();
  /** While `closeAll` waits: who to tell as each stream leaves (a promise per stream costs). */
  private ending: Map<OpenStream, () => void> | undefined;

  /** `stream` opened; it calls `leave(stream)` when it has ended. */
  enter(stream: OpenStream): void {
    this.open.add(stream);
    const {sessionId} = stream;
    this.perSession.set(sessionId, (this.perSession.get(sessionId) ?? 0) + 1);
  }

  /** `stream` has ended (again: nothing). */
  leave(stream: OpenStream): void {
    if (!this.open.delete(stream)) return;
    const {sessionId} = stream;
    const count = (this.perSession.get(sessionId) ?? 1) - 1;
    if (count > 0) this.perSession.set(sessionId, count);
    else this.perSession.delete(sessionId);
    this.ending?.get(stream)?.();
  }

  /** How many streams of `sessionId` are open here. */
  count(sessionId: string): number {
    return this.perSession.get(sessionId) ?? 0;
  }

  get total(): number {
    return this.open.size;
  }

  /** Asks every stream to end and waits until they have (at most `timeoutMs`). */
  async closeAll(timeoutMs = 5000): Promise<void> {
    const streams = [...this.open];
    const ending = (this.ending ??= new Map());
    const ended = streams.map(
      (stream) => new Promise<void>((resolve) => ending.set(stream, resolve))
    );
    for (const stream of streams) stream.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(ended),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    for (const stream of streams) ending.delete(stream);
    if (ending.size === 0) this.ending = undefined;
  }
}
