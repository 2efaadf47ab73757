/**
 * @module Counters and gauges in Prometheus' text format (`GET /metrics`). Small on purpose: a map
 * per metric, labels sorted into a key.
 */

type Labels = Record<string, string>;

interface CounterDef {
  help: string;
  values: Map<string, {labels: Labels; value: number}>;
}

const METRIC_HELP = {
  glia_handoff_glia_calls_total: 'Calls to Glia by step and status (or network/timeout).',
  glia_handoff_token_exchanges_total: 'Glia token exchanges by credential type and outcome.',
  glia_handoff_webhook_deliveries_total: 'Webhook deliveries from Glia by event and outcome.',
  glia_handoff_sessions_created_total: 'Sessions created, by outcome.',
  glia_handoff_rate_limited_total: 'Requests refused by a rate limit, by limit.',
  glia_handoff_glia_unexpected_total:
    'Answers and webhooks from Glia that differ from what the proxy expects, by endpoint and kind (missing_field, unknown_event, unknown_value).',
} as const;
export type CounterName = keyof typeof METRIC_HELP;

/** A gauge read at scrape time. */
export type GaugeReader = () => Array<{labels: Labels; value: number}>;

/** The labels as one string, the same whatever their order (counted once per webhook delivery). */
function key(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let out = '';
  for (const name of names) out += `${name}=${labels[name]},`;
  return out;
}

function renderLabels(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((name) => `${name}="${String(labels[name]).replace(/["\\\n]/g, '_')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** A counter series, from `Metrics.counter`. */
export class Counter {
  constructor(private readonly entry: {value: number}) {}

  inc(by = 1): void {
    this.entry.value += by;
  }
}

/** The proxy's metrics. */
export class Metrics {
  private readonly counters = new Map<CounterName, CounterDef>();
  private readonly gauges = new Map<string, {help: string; read: GaugeReader}>();

  inc(name: CounterName, labels: Labels = {}, by = 1): void {
    this.series(name, labels).value += by;
  }

  /**
   * One series of a counter, to count often: its labels are keyed once, here, not on every
   * increment (a webhook delivery counts one, and keying its labels was a share of it).
   */
  counter(name: CounterName, labels: Labels): Counter {
    return new Counter(this.series(name, labels));
  }

  private series(name: CounterName, labels: Labels): {labels: Labels; value: number} {
    let def = this.counters.get(name);
    if (!def) {
      def = {help: METRIC_HELP[name], values: new Map()};
      this.counters.set(name, def);
    }
    const k = key(labels);
    let entry = def.values.get(k);
    if (!entry) {
      entry = {labels, value: 0};
      def.values.set(k, entry);
    }
    return entry;
  }

  /** Registers a gauge whose values are read on each scrape. */
  gauge(name: string, help: string, read: GaugeReader): void {
    this.gauges.set(name, {help, read});
  }

  /** The current value of a counter series (for tests and `doctor`). */
  value(name: CounterName, labels: Labels = {}): number {
    return this.counters.get(name)?.values.get(key(labels))?.value ?? 0;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const lines: string[] = [];
    for (const [name, help] of Object.entries(METRIC_HELP) as Array<[CounterName, string]>) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const {labels, value} of this.counters.get(name)?.values.values() ?? []) {
        lines.push(`${name}${renderLabels(labels)} ${value}`);
      }
    }
    for (const [name, {help, read}] of this.gauges) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const {labels, value} of read()) lines.push(`${name}${renderLabels(labels)} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
