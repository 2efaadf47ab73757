import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {z} from 'zod/mini';
import {CHECKED, OUTPUT, generateChecks} from '../../scripts/wire-checks.js';
import * as checks from '../../src/wire/handoff/checks.generated.js';
import * as wire from '../../src/wire/handoff/index.js';

type Name = (typeof CHECKED)[number];

const at = '2026-11-25T10:00:00.000Z';
const upload = (status: string, extra = {}) => ({
  id: 'u1',
  name: 'photo.png',
  size: 12_345,
  contentType: 'image/png',
  status,
  ...extra,
});
const filePolicy = {contentTypes: ['image/png', 'application/pdf'], maxBytes: 1_000_000};
const messages = [
  {id: 'm1', from: 'operator', text: 'Hello, how can I help?', at},
  {id: 'm2', from: 'system', text: '', at},
  {
    id: 'm3',
    from: 'visitor',
    text: '',
    at,
    files: [
      {id: 'u1', name: 'photo.png', contentType: 'image/png', size: 12_345},
      {id: 'f2', name: 'old.pdf', contentType: 'application/pdf', deleted: true},
      {id: 'f3', name: 'a', contentType: '', size: 0, deleted: false},
    ],
  },
  {
    id: 'm4',
    from: 'operator',
    text: 'Which one?',
    at,
    choice: {
      options: [
        {text: 'Laptop', value: 'laptop'},
        {text: 'Phone', value: 'phone'},
      ],
    },
  },
  {id: 'm5', from: 'operator', text: 'No options', at, choice: {options: []}},
  {id: 'm6', from: 'visitor', text: 'Laptop', at, answer: {messageId: 'm4', value: 'laptop'}},
  {id: 'm7', from: 'visitor', text: 'Empty list', at, files: []},
];
const snapshots = [
  {
    id: 's1',
    status: 'queued',
    createdAt: at,
    operator: null,
    messages: [],
    lastEventId: null,
  },
  {
    id: 's1',
    status: 'queued',
    createdAt: at,
    operator: null,
    messages: [],
    lastEventId: '3',
    estimatedWaitSeconds: 120,
  },
  {
    id: 's1',
    status: 'engaged',
    createdAt: at,
    operator: {name: 'Ada'},
    messages,
    lastEventId: '42',
    filePolicy,
    uploads: [upload('scanning'), upload('ready', {id: 'u2', size: 0})],
  },
  {
    id: 's1',
    status: 'ended',
    createdAt: at,
    operator: {name: 'Ada'},
    messages: messages.slice(0, 2),
    lastEventId: '50',
    endedBy: 'operator',
    uploads: [],
  },
  {
    id: 's1',
    status: 'failed',
    createdAt: at,
    operator: null,
    messages: [],
    lastEventId: '1',
    reason: 'No agent is available.',
  },
];
const token = 't'.repeat(32);

/** Real values of every schema the widget parses: each variant, optional fields absent and present. */
const valid: Record<Name, unknown[]> = {
  ChatEvent: [
    {type: 'status', status: 'queued'},
    {type: 'status', status: 'engaged', filePolicy},
    {type: 'status', status: 'engaged', filePolicy: {contentTypes: [], maxBytes: 1}},
    {type: 'status', status: 'failed', reason: 'Glia is not answering.'},
    {type: 'status', status: 'ended'},
    ...messages.map((message) => ({type: 'message', message})),
    {type: 'typing', typing: true},
    {type: 'typing', typing: false},
    {type: 'operator', operator: {name: 'Ada'}, change: 'joined'},
    {type: 'operator', operator: {name: 'Grace'}, change: 'transferred'},
    ...['scanning', 'ready', 'infected'].map((status) => ({
      type: 'upload',
      upload: upload(status),
    })),
    ...['visitor', 'operator', 'system'].map((by) => ({type: 'ended', by})),
    {type: 'error', error: {code: 'glia-unavailable', message: 'Glia is down.'}},
    {type: 'error', error: {code: 'x', message: 'y', hint: 'Try again later.'}},
  ],
  ErrorBody: [
    {error: {code: 'rate-limited', message: 'Too many tries.'}},
    {error: {code: 'glia-unavailable', message: 'Glia is down.', step: 'queue', hint: 'Wait.'}},
    {error: {code: 'validation', message: 'Bad.', step: 'config'}},
  ],
  SessionSnapshot: snapshots,
  StartSessionResponse: snapshots.map((s) => ({session: {...s, token}})),
  SendMessageResponse: messages.map((message) => ({message})),
  UploadResponse: ['scanning', 'ready', 'infected'].map((status) => ({upload: upload(status)})),
};

// Values to put in place of a leaf: every string the corpus holds (so each literal and enum gets
// the others' values), strings at each length bound the schemas set, and numbers at and past the
// integer bounds.
const corpusStrings = new Set<string>();
const collect = (value: unknown): void => {
  if (typeof value === 'string') corpusStrings.add(value);
  else if (value && typeof value === 'object') Object.values(value).forEach(collect);
};
Object.values(valid).forEach((values) => values.forEach(collect));
const strings = [
  ...corpusStrings,
  ...[0, 1, 31, 32, 33, 199, 200, 201, 254, 255, 256].map((n) => 'x'.repeat(n)),
  'QUEUED',
  'status ',
];
const numbers = [0, 1, -1, 2, 0.5, 1.5, -0, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), NaN, Infinity];
const others = [null, undefined, true, false, [], {}, [1], {a: 1}];
const replacements = [...strings, ...numbers, ...others];
const unknownKeys = ['extra', 'toString', 'constructor', '__proto__', 'hasOwnProperty', ''];

type Json = unknown;
const withKey = (object: Record<string, Json>, key: string, value: Json) =>
  Object.fromEntries([...Object.entries(object), [key, value]]);

/** Every mutation of `value`: each node replaced, each key dropped, each unknown key added. */
function* mutations(value: Json): Generator<Json> {
  for (const replacement of replacements) if (!Object.is(replacement, value)) yield replacement;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      for (const mutated of mutations(item)) yield value.with(i, mutated);
      yield value.filter((_, j) => j !== i);
    }
    if (value.length) yield [...value, value[0]];
    yield [...value, 'stray'];
    yield Object.fromEntries(value.entries());
  } else if (value && typeof value === 'object') {
    const object = value as Record<string, Json>;
    for (const key of Object.keys(object)) {
      const {[key]: _dropped, ...rest} = object;
      yield rest;
      yield {...object, [key]: undefined};
      for (const mutated of mutations(object[key])) yield {...object, [key]: mutated};
    }
    for (const key of unknownKeys) yield withKey(object, key, 1);
    yield withKey(object, 'extra', undefined);
  }
}

const cases: Array<{name: Name; value: Json}> = [];
for (const name of CHECKED) {
  for (const value of valid[name]) {
    cases.push({name, value});
    for (const mutated of mutations(value)) cases.push({name, value: mutated});
  }
  // Each schema also sees every other schema's valid values.
  for (const other of CHECKED) {
    if (other !== name) for (const value of valid[other]) cases.push({name, value});
  }
}

describe('wire/handoff checks.generated.ts', () => {
  it('is what `npm run build:checks` generates from the schemas now', async () => {
    assert.equal(
      readFileSync(OUTPUT, 'utf8'),
      await generateChecks(),
      'src/wire/handoff/checks.generated.ts is stale: run `npm run build:checks`'
    );
  });

  it(`judges ${cases.length} values (valid ones and their mutations) as the zod schemas do`, () => {
    let accepted = 0;
    for (const {name, value} of cases) {
      const expected = wire[name].safeParse(value);
      const actual = checks[name].safeParse(value);
      const label = () => `${name}.safeParse(${JSON.stringify(value)})`;
      if (actual.success !== expected.success)
        assert.fail(`${label()}: zod says ${expected.success}`);
      if (actual.success && expected.success) {
        assert.deepEqual(actual.data, expected.data, label());
        accepted++;
      }
    }
    // The corpus itself passes, and mutations that keep a value valid (another enum value, an
    // optional key dropped) pass on both sides too.
    const validCount = CHECKED.reduce((n, name) => n + valid[name].length, 0);
    assert.ok(accepted > validCount, `${accepted} accepted`);
    assert.ok(cases.length - accepted > cases.length / 2, `${cases.length - accepted} refused`);
  });

  it('refuses to generate a check for what JSON Schema would leave out or it cannot reproduce', async () => {
    const refused = {
      refine: z.string().check(z.refine((s) => s !== 'x')),
      overwrite: z.string().check(z.overwrite((s) => s.trim())),
      email: z.email(),
      record: z.record(z.string(), z.string()),
      loose: z.object({a: z.string()}),
      transform: z.pipe(
        z.string(),
        z.transform((s) => s.length)
      ),
    };
    for (const [what, schema] of Object.entries(refused)) {
      await assert.rejects(generateChecks({X: schema}), /not supported|must be strict/, what);
    }
  });
});
