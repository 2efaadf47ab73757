/**
 * @module The event streams open on this instance, per session: counted (an idle sweep spares a
 * watched session, the metrics show the total) and closable all at once (a stopping instance
 * closes its streams so their browsers reconnect elsewhere).
 */

interface OpenStream {
  sessionId: string;
  close: () => void;
  /** Set by `closeAll` while it waits for this stream to end (a promise per stream costs). */
  ended?: () => void;
}

export class OpenStreams {
  private readonly open = new Set<OpenStream>();
  private readonly perSession = new Map<string, number>();

  /** A stream of `sessionId` opened; `close` asks it to end. Returns the function to call when it has ended. */
  enter(sessionId: string, close: () => void): () => void {
    const stream: OpenStream = {sessionId, close};
    this.open.add(stream);
    this.perSession.set(sessionId, (this.perSession.get(sessionId) ?? 0) + 1);
    return () => {
      if (!this.open.delete(stream)) return;
      const count = (this.perSession.get(sessionId) ?? 1) - 1;
      if (count > 0) this.perSession.set(sessionId, count);
      else this.perSession.delete(sessionId);
      stream.ended?.();
    };
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
    const ended = streams.map((stream) => new Promise<void>((resolve) => (stream.ended = resolve)));
    for (const stream of streams) stream.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(ended),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }
}
