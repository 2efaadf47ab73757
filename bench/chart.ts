/**
 * @module bench/chart.svg: latency against the number of visitors and against the message rate,
 * and memory against the number of visitors, drawn with Vega-Lite (compiled to Vega, rendered to
 * SVG headless in Node; no canvas, so text widths are Vega's estimates).
 */
import {View, parse} from 'vega';
import type {TopLevelSpec} from 'vega-lite';
import {compile} from 'vega-lite';

/** One measured step, as the chart needs it. */
export interface ChartRow {
  visitors: number;
  operatorPerSecond: number;
  /** `rate`: 1,000 visitors at rising message rates; `scale`: more streams at a light rate. */
  phase: 'rate' | 'scale';
  e2eP50Ms: number;
  e2eP99Ms: number;
  directE2eP50Ms: number;
  directE2eP99Ms: number;
  rssMB: number;
  rssPerStreamKB: number;
}

const SERIES = [
  'through the proxy, p99',
  'through the proxy, p50',
  'straight to a receiver, p99',
  'straight to a receiver, p50',
];

function latencies(rows: ChartRow[]) {
  return rows
    .flatMap((r) => [
      {...r, series: SERIES[0], ms: r.e2eP99Ms},
      {...r, series: SERIES[1], ms: r.e2eP50Ms},
      {...r, series: SERIES[2], ms: r.directE2eP99Ms},
      {...r, series: SERIES[3], ms: r.directE2eP50Ms},
    ])
    .filter((d) => Number.isFinite(d.ms) && d.ms > 0);
}

/** The SVG text of the chart. */
export async function renderChart(rows: ChartRow[], subtitle: string): Promise<string> {
  const [fewest, most] = [
    Math.min(...rows.map((r) => r.visitors)),
    Math.max(...rows.map((r) => r.visitors)),
  ];
  const visitorsAxis = {
    field: 'visitors',
    type: 'quantitative' as const,
    scale: {type: 'log' as const, domain: [fewest, most], nice: false},
    axis: {values: [100, 300, 1000, 3000, 10_000].filter((v) => v >= fewest && v <= most)},
    title: 'engaged visitors (open SSE streams)',
  };
  // Latencies span from a millisecond to seconds once a step saturates the machine.
  const ms = {
    field: 'ms',
    type: 'quantitative',
    title: 'ms (log scale)',
    scale: {type: 'log'},
  } as const;
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: {domain: SERIES, range: ['#c2410c', '#fb923c', '#1d4ed8', '#60a5fa']},
    legend: {orient: 'bottom', columns: 2, labelLimit: 0},
  } as const;
  const dash = {
    condition: {test: "indexof(datum.series, 'p50') >= 0", value: [4, 3]},
    value: [1, 0],
  };
  // The light steps (a message every 4 s or more per visitor), one per number of visitors.
  const lightest = new Map<number, ChartRow>();
  for (const r of rows) {
    const known = lightest.get(r.visitors);
    if (!known || r.operatorPerSecond < known.operatorPerSecond) lightest.set(r.visitors, r);
  }
  const byVisitors = [...lightest.values()];
  const byRate = rows.filter((r) => r.phase === 'rate' && r.visitors === 1000);
  // One point per number of visitors: the last step measured with that many; a few labelled.
  const labelled = new Set([fewest, 1000, most]);
  const memory = [...new Map(rows.map((r) => [r.visitors, r])).values()].map((r) => ({
    visitors: r.visitors,
    rssMB: r.rssMB,
    label: labelled.has(r.visitors) ? `${Math.round(r.rssPerStreamKB)} KB/stream` : '',
  }));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {text: 'glia-handoff proxy under load: operator message → visitor', subtitle},
    config: {font: 'sans-serif', view: {stroke: null}},
    hconcat: [
      {
        title: 'By open streams (light rate)',
        width: 260,
        height: 240,
        data: {values: latencies(byVisitors)},
        mark: {type: 'line', point: true},
        encoding: {x: visitorsAxis, y: ms, color, strokeDash: dash},
      },
      {
        title: 'By message rate, 1,000 visitors',
        width: 220,
        height: 240,
        data: {values: latencies(byRate)},
        mark: {type: 'line', point: true},
        encoding: {
          x: {
            field: 'operatorPerSecond',
            type: 'quantitative',
            title: 'operator messages per second',
          },
          y: ms,
          color,
          strokeDash: dash,
        },
      },
      {
        title: 'Proxy memory (RSS after GC)',
        width: 240,
        height: 240,
        layer: [
          {
            data: {values: memory},
            mark: {type: 'line', point: true},
            encoding: {x: visitorsAxis, y: {field: 'rssMB', type: 'quantitative', title: 'MB'}},
          },
          {
            data: {values: memory},
            mark: {type: 'text', dy: -10, dx: -4, align: 'right', fontSize: 10},
            encoding: {
              x: visitorsAxis,
              y: {field: 'rssMB', type: 'quantitative'},
              text: {field: 'label'},
            },
          },
          {
            data: {values: [{mb: 1024}]},
            mark: {type: 'rule', strokeDash: [6, 4], color: '#b00'},
            encoding: {y: {field: 'mb', type: 'quantitative'}},
          },
        ],
      },
    ],
  };
  const view = new View(parse(compile(spec).spec), {renderer: 'none'});
  return view.toSVG();
}
