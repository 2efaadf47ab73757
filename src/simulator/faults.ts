/**
 * @module Fault injection (`POST /__sim/faults`): make chosen Glia requests fail or stall, and
 * chosen webhook deliveries vanish or arrive twice.
 *
 * A rule with `status` or `delay_ms` applies to requests: `method` (any when omitted) and `path`
 * (exact, or with `*` matching any run of characters, e.g. `/engagements/*`). A rule with
 * `drop_webhook` or `duplicate_webhook` applies to webhook deliveries: its `path` matches the
 * event name (`engagement.start`), the delivery URL's path, or `*`. `times` limits how often a rule
 * fires (forever when omitted).
 */
import {z} from 'zod/mini';

export const FaultRule = z.strictObject({
  method: z.optional(z.string().check(z.minLength(1))),
  path: z.string().check(z.minLength(1)),
  status: z.optional(z.int().check(z.minimum(400), z.maximum(599))),
  times: z.optional(z.int().check(z.minimum(1))),
  delay_ms: z.optional(z.int().check(z.minimum(0), z.maximum(120_000))),
  retry_after: z.optional(z.int().check(z.minimum(0))),
  drop_webhook: z.optional(z.boolean()),
  duplicate_webhook: z.optional(z.boolean()),
});
export type FaultRule = z.infer<typeof FaultRule>;

export const FaultRulesRequest = z.strictObject({rules: z.array(FaultRule).check(z.minLength(1))});

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
  pattern: RegExp;
}

/** The active fault rules, consumed as they fire. */
export class FaultRules {
  private rules: ActiveRule[] = [];

  /** Adds rules after the existing ones; the first matching rule wins. */
  add(rules: FaultRule[]): void {
    for (const rule of rules)
      this.rules.push({rule, remaining: rule.times ?? Infinity, pattern: toPattern(rule.path)});
  }

  clear(): void {
    this.rules = [];
  }

  /** The rules still active, with how often each will still fire (`null` = forever). */
  list(): (FaultRule & {remaining: number | null})[] {
    return this.rules.map(({rule, remaining}) => ({
      ...rule,
      remaining: remaining === Infinity ? null : remaining,
    }));
  }

  /** The request rule for this call, consumed once. */
  takeForRequest(method: string, path: string): FaultRule | undefined {
    return this.take(
      (r) =>
        (r.status !== undefined || r.delay_ms !== undefined) &&
        (r.method === undefined || r.method.toUpperCase() === method.toUpperCase()),
      [path]
    );
  }

  /** The webhook rule for this delivery, consumed once. */
  takeForWebhook(eventType: string, url: string): FaultRule | undefined {
    let urlPath = url;
    try {
      urlPath = new URL(url).pathname;
    } catch {
      // An unparsable URL is still matched as given.
    }
    return this.take(
      (r) => r.drop_webhook === true || r.duplicate_webhook === true,
      [eventType, urlPath]
    );
  }

  private take(applies: (rule: FaultRule) => boolean, subjects: string[]): FaultRule | undefined {
    const index = this.rules.findIndex(
      (active) => applies(active.rule) && subjects.some((s) => active.pattern.test(s))
    );
    const active = this.rules[index];
    if (!active) return undefined;
    active.remaining -= 1;
    if (active.remaining <= 0) this.rules.splice(index, 1);
    return active.rule;
  }
}

function toPattern(path: string): RegExp {
  const escaped = path.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}
