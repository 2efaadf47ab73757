/**
 * @module The event streams open on this instance, per session: counted (an idle sweep spares a
 * watched session, the metrics show the total) and closable all at once (a stopping instance
 * closes its streams so their browsers reconnect elsewhere).
 */

interface OpenStream {
  sessionId: string;
  close: () => void;
  closed: Promise<void>;
}

export class OpenStreams {
  private readonly open = new Set<OpenStream>();
  private readonly perSession = new Map<string, number>();

  /** A stream of `sessionId` opened; `close` asks it to end. Returns the function to call when it has ended. */
  enter(sessionId: string, close: () => void): () => void {
    let left!: () => void;
    const stream: OpenStream = {
      sessionId,
      close,
      closed: new Promise((resolve) => (left = resolve)),
    };
    this.open.add(stream);
    this.perSession.set(sessionId, (this.perSession.get(sessionId) ?? 0) + 1);
    return () => {
      if (!this.open.delete(stream)) return;
      const count = (this.perSession.get(sessionId) ?? 1) - 1;
      if (count > 0) this.perSession.set(sessionId, count);
      else this.perSession.delete(sessionId);
      left();
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
    for (const stream of streams) stream.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(streams.map((stream) => stream.closed)),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }
}
