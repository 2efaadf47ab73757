/**
 * @module The exactly-once bookkeeping of one traffic window: every operator message sent (by its
 * text, which is unique in the run), every visitor message sent (by its uuid), and every arrival on
 * the visitor's side. At the end, `lost` counts what was accepted and never arrived, `duplicated`
 * what arrived more than once.
 */

/** The prefix the simulator's auto-operator puts before the visitor's text (src/simulator/auto-operator.ts). */
export const AUTO_REPLY_PREFIX = "Thanks, I'm looking into: ";

interface OperatorRecord {
  sentAt: number;
  /** Sent inside the measured window (after warm-up). */
  measured: boolean;
  /** The control call answered 201. */
  accepted: boolean;
  arrivals: number;
}

interface VisitorRecord {
  text: string;
  /** Whose message: the visitor's index. */
  index: number;
  accepted: boolean;
  /** The visitor's own message seen again on its channel (SSE echo, or Glia's operator-bound webhook). */
  echoes: number;
  /** The auto-operator's answer to it. */
  replies: number;
}

/** Counts for one window. */
export class Ledger {
  readonly e2e: number[] = [];
  readonly send: number[] = [];
  readonly scheduleLag: number[] = [];
  errors = 0;
  readonly errorSamples: string[] = [];
  /** SSE ids that did not increase (a frame sent twice or out of order). */
  repeats = 0;
  /** Accepted visitor messages missing from Glia's transcript, and ones in it more than once. */
  transcriptLost = 0;
  transcriptDuplicated = 0;
  private readonly operator = new Map<string, OperatorRecord>();
  private readonly visitor = new Map<string, VisitorRecord>();
  private readonly byText = new Map<string, string>();

  error(what: string): void {
    this.errors++;
    if (this.errorSamples.length < 5) this.errorSamples.push(what);
  }

  operatorSent(text: string, sentAt: number, measured: boolean): void {
    this.operator.set(text, {sentAt, measured, accepted: false, arrivals: 0});
  }

  operatorAccepted(text: string): void {
    const record = this.operator.get(text);
    if (record) record.accepted = true;
  }

  /** An operator message reached the visitor's side at `at`. */
  operatorArrived(text: string, at: number): void {
    if (text.startsWith(AUTO_REPLY_PREFIX)) {
      const id = this.byText.get(text.slice(AUTO_REPLY_PREFIX.length));
      const record = id === undefined ? undefined : this.visitor.get(id);
      if (record) record.replies++;
      return;
    }
    const record = this.operator.get(text);
    if (!record) return; // From an earlier window (a late arrival there was counted as lost).
    record.arrivals++;
    if (record.arrivals === 1 && record.measured) this.e2e.push(at - record.sentAt);
  }

  visitorSent(id: string, text: string, index: number): void {
    this.visitor.set(id, {text, index, accepted: false, echoes: 0, replies: 0});
    this.byText.set(text, id);
  }

  visitorAccepted(id: string, sendMs: number, measured: boolean): void {
    const record = this.visitor.get(id);
    if (record) record.accepted = true;
    if (measured) this.send.push(sendMs);
  }

  visitorEchoed(id: string): void {
    const record = this.visitor.get(id);
    if (record) record.echoes++;
  }

  /** The visitor messages Glia accepted: uuid, text (unique in the run) and the sender's index. */
  acceptedVisitorMessages(): {id: string; text: string; index: number}[] {
    return [...this.visitor]
      .filter(([, r]) => r.accepted)
      .map(([id, r]) => ({id, text: r.text, index: r.index}));
  }

  /** Everything accepted has arrived (once or more). */
  settled(): boolean {
    for (const r of this.operator.values()) if (r.accepted && r.arrivals === 0) return false;
    for (const r of this.visitor.values())
      if (r.accepted && (r.echoes === 0 || r.replies === 0)) return false;
    return true;
  }

  counts(): {
    operatorSent: number;
    visitorSent: number;
    arrived: number;
    lost: number;
    duplicated: number;
  } {
    let lost = this.transcriptLost;
    let arrived = 0;
    let duplicated = this.repeats + this.transcriptDuplicated;
    for (const r of this.operator.values()) {
      if (r.arrivals > 0) arrived++;
      if (r.accepted && r.arrivals === 0) lost++;
      if (r.arrivals > 1) duplicated += r.arrivals - 1;
    }
    for (const r of this.visitor.values()) {
      if (r.echoes > 0) arrived++;
      if (r.accepted && r.echoes === 0) lost++;
      if (r.accepted && r.replies === 0) lost++;
      if (r.echoes > 1) duplicated += r.echoes - 1;
      if (r.replies > 1) duplicated += r.replies - 1;
    }
    return {
      operatorSent: this.operator.size,
      visitorSent: this.visitor.size,
      arrived,
      lost,
      duplicated,
    };
  }
}
