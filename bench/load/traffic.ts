/**
 * @module One traffic window over the engaged visitors of one mode: operator messages (through the
 * simulator's control API, as an agent would type them) and visitor messages, each at a fixed total
 * rate, round-robin over the visitors, open-loop (a send is made when it is due, whether or not
 * earlier ones have been answered). Then a drain, the transcript check, and the counts.
 */
import {randomUUID} from 'node:crypto';
import {monitorEventLoopDelay, performance} from 'node:perf_hooks';
import type {TrafficCommand, TrafficResult} from '../protocol.js';
import {summarize} from '../stats.js';
import {requestJson} from './http-client.js';
import {Ledger} from './ledger.js';
import type {BenchVisitor, LoadContext} from './visitors.js';
import {sendVisitorMessage, transcriptOf} from './visitors.js';

let textSeq = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stream of due times at `perSecond`, from `start`. */
class Schedule {
  private sent = 0;
  constructor(
    private readonly start: number,
    private readonly perSecond: number
  ) {}

  /** The due times of the sends now due (possibly several after a late tick). */
  due(now: number): number[] {
    const times: number[] = [];
    if (this.perSecond <= 0) return times;
    for (;;) {
      const at = this.start + (this.sent * 1000) / this.perSecond;
      if (at > now) return times;
      times.push(at);
      this.sent++;
    }
  }
}

/** Runs the window described by `command` over `visitors` (all engaged, all of its mode). */
export async function runTraffic(
  ctx: LoadContext,
  visitors: BenchVisitor[],
  command: TrafficCommand
): Promise<TrafficResult> {
  const ledger = new Ledger();
  ctx.ledgers[command.mode] = ledger;
  const loop = monitorEventLoopDelay({resolution: 10});
  const inflight = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>) => {
    inflight.add(promise);
    void promise.finally(() => inflight.delete(promise));
  };
  let opCursor = 0;
  let visitorCursor = Math.floor(visitors.length / 2);
  const start = performance.now();
  const measureFrom = start + command.warmupMs;
  const end = measureFrom + command.measureMs;
  const operatorSchedule = new Schedule(start, command.operatorPerSecond);
  const visitorSchedule = new Schedule(start, command.visitorPerSecond);

  const sendOperator = (visitor: BenchVisitor, due: number) => {
    const text = `op ${visitor.index} ${++textSeq}`;
    const sentAt = performance.now();
    const measured = due >= measureFrom;
    if (measured) ledger.scheduleLag.push(sentAt - due);
    ledger.operatorSent(text, sentAt, measured);
    track(
      requestJson(
        `${ctx.simUrl}/__sim/engagements/${visitor.engagementId}/messages`,
        {method: 'POST', body: {content: text}},
        [201]
      ).then(
        () => ledger.operatorAccepted(text),
        (error: Error) => ledger.error(`operator message: ${error.message}`)
      )
    );
  };

  const sendVisitor = (visitor: BenchVisitor, due: number) => {
    const id = randomUUID();
    const text = `vm ${visitor.index} ${++textSeq}`;
    const measured = due >= measureFrom;
    ledger.visitorSent(id, text, visitor.index);
    track(
      sendVisitorMessage(ctx, visitor, id, text).then(
        (ms) => ledger.visitorAccepted(id, ms, measured),
        (error: Error) => ledger.error(`visitor message: ${error.message}`)
      )
    );
  };

  loop.enable();
  let loopDelayP99 = 0;
  let resetLoop = true;
  for (let now = performance.now(); now < end; now = performance.now()) {
    if (resetLoop && now >= measureFrom) {
      loop.reset();
      resetLoop = false;
    }
    for (const due of operatorSchedule.due(now)) {
      const visitor = visitors[opCursor++ % visitors.length];
      if (visitor) sendOperator(visitor, due);
    }
    for (const due of visitorSchedule.due(now)) {
      const visitor = visitors[visitorCursor++ % visitors.length];
      if (visitor) sendVisitor(visitor, due);
    }
    await sleep(2);
  }
  loopDelayP99 = loop.percentile(99) / 1e6;
  loop.disable();

  // Drain: every accepted message must arrive; give up after drainMs.
  const drainUntil = performance.now() + command.drainMs;
  while (performance.now() < drainUntil && (inflight.size > 0 || !ledger.settled()))
    await sleep(50);
  await Promise.allSettled([...inflight]);

  await checkTranscripts(ctx, visitors, ledger);
  ctx.ledgers[command.mode] = undefined;
  const counts = ledger.counts();
  return {
    type: 'traffic',
    mode: command.mode,
    visitors: visitors.length,
    e2e: summarize(ledger.e2e),
    send: summarize(ledger.send),
    operatorSent: counts.operatorSent,
    visitorSent: counts.visitorSent,
    arrived: counts.arrived,
    lost: counts.lost,
    duplicated: counts.duplicated,
    errors: ledger.errors,
    errorSamples: ledger.errorSamples,
    loadLoopDelayP99Ms: loopDelayP99,
    scheduleLagP99Ms: summarize(ledger.scheduleLag).p99,
  };
}

/**
 * Every visitor message Glia accepted is in its engagement's transcript exactly once. Glia's
 * transcript entries carry no id, so each is known by its text, which is unique in the run.
 */
async function checkTranscripts(
  ctx: LoadContext,
  visitors: BenchVisitor[],
  ledger: Ledger
): Promise<void> {
  const accepted = ledger.acceptedVisitorMessages();
  if (accepted.length === 0) return;
  const wanted = new Set(accepted.map((m) => m.text));
  const byIndex = new Map(visitors.map((v) => [v.index, v]));
  const engagements = new Set<string>();
  for (const {index} of accepted) {
    const engagementId = byIndex.get(index)?.engagementId;
    if (engagementId) engagements.add(engagementId);
  }
  const seen = new Map<string, number>();
  const queue = [...engagements];
  const worker = async () => {
    for (let engagementId = queue.pop(); engagementId; engagementId = queue.pop()) {
      try {
        for (const message of await transcriptOf(ctx, engagementId))
          if (message.sender.type === 'visitor' && wanted.has(message.message))
            seen.set(message.message, (seen.get(message.message) ?? 0) + 1);
      } catch (error) {
        ledger.error(`transcript: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({length: 32}, worker));
  for (const id of wanted) {
    const count = seen.get(id) ?? 0;
    if (count === 0) ledger.transcriptLost++;
    if (count > 1) ledger.transcriptDuplicated += count - 1;
  }
}
