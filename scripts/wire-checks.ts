/**
 * @module Writes src/wire/handoff/checks.generated.ts: the answers the widget parses (the ChatEvent
 * union, the REST responses, ErrorBody) as plain functions compiled from the zod/mini schemas, so
 * the browser gets the same checks without zod (docs/architecture.md, "Parsing in the browser").
 * Each schema goes through zod's own `z.toJSONSchema`, and a small code generator turns the JSON
 * Schema subset those schemas use (objects without extra keys, arrays, strings with lengths,
 * integers with bounds, booleans, null, const, enum, anyOf) into calls of a few check builders.
 * Anything else, or a zod check JSON Schema cannot express (a refine, an overwrite), stops the
 * generator instead of being dropped. Run `npm run build:checks` after changing a schema;
 * test/wire/checks.test.ts fails until the file matches.
 */
import {writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {format, resolveConfig} from 'prettier';
import {z} from 'zod/mini';
import * as wire from '../src/wire/handoff/index.js';

/** The schemas the widget parses, by their export name in src/wire/handoff. */
export const CHECKED = [
  'ChatEvent',
  'ErrorBody',
  'SessionSnapshot',
  'StartSessionResponse',
  'SendMessageResponse',
  'UploadResponse',
] as const;

export const OUTPUT = fileURLToPath(
  new URL('../src/wire/handoff/checks.generated.ts', import.meta.url)
);

/** The zod schema kinds and checks the generated code reproduces exactly. */
const KINDS = new Set([
  'object',
  'array',
  'string',
  'number',
  'boolean',
  'null',
  'literal',
  'enum',
  'optional',
  'nullable',
  'union',
]);
const CHECKS = new Set(['min_length', 'max_length', 'greater_than', 'less_than', 'number_format']);

interface Json {
  type?: string | string[];
  properties?: Record<string, Json>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Json;
  anyOf?: Json[];
  const?: unknown;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

/** The JSON Schema of `name`, refusing what it would silently leave out. */
function jsonSchemaOf(name: string, schema: z.core.$ZodType): Json {
  const json = z.toJSONSchema(schema, {
    // The input side: there a non-strict z.object allows other keys (its output drops them).
    io: 'input',
    reused: 'inline',
    cycles: 'throw',
    override: ({zodSchema, path}) => {
      const def = zodSchema._zod.def as {type: string; checks?: z.core.$ZodCheck[]};
      const where = `${name} at /${path.join('/')}`;
      if (!KINDS.has(def.type))
        throw new Error(`${where}: zod type "${def.type}" is not supported`);
      for (const check of def.checks ?? []) {
        const kind = check._zod.def.check;
        if (!CHECKS.has(kind)) throw new Error(`${where}: zod check "${kind}" is not supported`);
      }
    },
  }) as Json & {$schema?: string};
  delete json.$schema;
  return json;
}

const KEYS: Record<string, string[]> = {
  object: ['type', 'properties', 'required', 'additionalProperties'],
  array: ['type', 'items'],
  string: ['type', 'minLength', 'maxLength', 'const', 'enum'],
  integer: ['type', 'minimum', 'maximum'],
  number: ['type', 'minimum', 'maximum'],
  boolean: ['type'],
  null: ['type'],
  anyOf: ['anyOf'],
};

/** Compiles JSON Schema nodes to check expressions; subtrees used more than once become consts. */
class Compiler {
  readonly consts: string[] = [];
  readonly #uses = new Map<string, number>();
  readonly #names = new Map<string, string>();

  count(node: Json): void {
    const key = JSON.stringify(node);
    this.#uses.set(key, (this.#uses.get(key) ?? 0) + 1);
    if ((this.#uses.get(key) ?? 0) > 1) return;
    for (const child of [
      ...Object.values(node.properties ?? {}),
      ...(node.items ? [node.items] : []),
      ...(node.anyOf ?? []),
    ]) {
      this.count(child);
    }
  }

  /** An expression that checks `node`: a const's name when it is shared and not trivial. */
  expression(node: Json, where: string): string {
    const key = JSON.stringify(node);
    const known = this.#names.get(key);
    if (known) return known;
    const code = this.#compile(node, where);
    if ((this.#uses.get(key) ?? 0) < 2 || /^[a-z]+$/.test(code)) return code;
    const name = `c${this.#names.size}`;
    this.#names.set(key, name);
    this.consts.push(`const ${name} = ${code};`);
    return name;
  }

  #compile(node: Json, where: string): string {
    const type = node.anyOf ? 'anyOf' : node.type;
    if (Array.isArray(type)) {
      // zod writes a nullable primitive as `type: [t, "null"]`.
      const {type: _types, ...rest} = node;
      return `any(${type.map((t) => this.expression({...rest, type: t}, where)).join(', ')})`;
    }
    const allowed = type === undefined ? undefined : KEYS[type];
    const extra = Object.keys(node).filter((k) => !allowed?.includes(k));
    if (!allowed || extra.length) {
      throw new Error(`${where}: JSON Schema ${JSON.stringify(node)} is not supported`);
    }
    const literal = (value: unknown) => JSON.stringify(value);
    switch (type) {
      case 'anyOf':
        return `any(${node.anyOf!.map((n, i) => this.expression(n, `${where}/anyOf/${i}`)).join(', ')})`;
      case 'object': {
        if (node.additionalProperties !== false) {
          throw new Error(`${where}: objects must be strict (additionalProperties: false)`);
        }
        const required = new Set(node.required ?? []);
        const entries = (want: boolean) =>
          Object.entries(node.properties ?? {})
            .filter(([key]) => required.has(key) === want)
            .map(([key, n]) => `${literal(key)}: ${this.expression(n, `${where}/${key}`)}`);
        const optional = entries(false);
        return `obj({${entries(true).join(', ')}}${optional.length ? `, {${optional.join(', ')}}` : ''})`;
      }
      case 'array':
        if (!node.items) throw new Error(`${where}: an array needs items`);
        return `arr(${this.expression(node.items, `${where}/items`)})`;
      case 'string': {
        if (node.const !== undefined) return `one(${literal(node.const)})`;
        if (node.enum) return `one(${node.enum.map(literal).join(', ')})`;
        const {minLength, maxLength} = node;
        if (minLength === undefined && maxLength === undefined) return 'str';
        return `text(${minLength ?? 0}${maxLength === undefined ? '' : `, ${maxLength}`})`;
      }
      case 'integer':
      case 'number': {
        const bounds = [node.minimum ?? '-Infinity', node.maximum ?? 'Infinity'].map(String);
        return `${type === 'integer' ? 'int' : 'num'}(${bounds.join(', ')})`;
      }
      case 'boolean':
        return 'bool';
      case 'null':
        return 'nil';
    }
    throw new Error(`${where}: JSON Schema type ${String(type)} is not supported`);
  }
}

const RUNTIME = `
/** What a check answers: the value itself when it matches (none of these schemas transforms). */
export type Result<T> = {success: true; data: T} | {success: false};
type Is = (value: unknown) => boolean;

const {hasOwn, keys, entries} = Object;
const str = (v: unknown): v is string => typeof v == 'string';
const text = (min: number, max = Infinity): Is => (v) => str(v) && v.length >= min && v.length <= max;
const num = (min: number, max: number): Is => (v) =>
  typeof v == 'number' && Number.isFinite(v) && v >= min && v <= max;
const int = (min: number, max: number): Is => (v) => Number.isInteger(v) && num(min, max)(v);
const bool: Is = (v) => typeof v == 'boolean';
const nil: Is = (v) => v === null;
const one = (...values: unknown[]): Is => (v) => values.includes(v);
const any = (...checks: Is[]): Is => (v) => checks.some((is) => is(v));
const arr = (item: Is): Is => (v) => Array.isArray(v) && v.every(item);
/** A strict object: the required keys, the optional ones (absent or undefined), no other key. */
const obj =
  (required: Record<string, Is>, optional: Record<string, Is> = {}): Is =>
  (v) =>
    typeof v == 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    keys(v).every((k) => hasOwn(required, k) || hasOwn(optional, k)) &&
    entries(required).every(([k, is]) => is((v as Record<string, unknown>)[k])) &&
    entries(optional).every(([k, is]) => {
      const value = (v as Record<string, unknown>)[k];
      return value === undefined || is(value);
    });
const parser = <T>(is: Is) => ({
  safeParse: (data: unknown): Result<T> => (is(data) ? {success: true, data: data as T} : {success: false}),
});
`;

/**
 * The generated module's source, formatted as the repository formats TypeScript: one export per
 * schema, typed by the export of src/wire/handoff with the same name. Throws on anything the
 * checks could not reproduce exactly.
 */
export async function generateChecks(
  schemas: Record<string, z.core.$ZodType> = Object.fromEntries(CHECKED.map((n) => [n, wire[n]]))
): Promise<string> {
  const compiled = Object.entries(schemas).map(
    ([name, s]) => [name, jsonSchemaOf(name, s)] as const
  );
  const compiler = new Compiler();
  for (const [, json] of compiled) compiler.count(json);
  const exports = compiled.map(([name, json]) => {
    const is = compiler.expression(json, name);
    return `/** \`${name}\` of src/wire/handoff, as \`${name}.safeParse\` would judge it. */\nexport const ${name} = parser<wire.${name}>(${is});`;
  });
  const source = [
    `/**
 * @module GENERATED by \`npm run build:checks\` (scripts/wire-checks.ts) from the zod/mini schemas
 * of src/wire/handoff through \`z.toJSONSchema\`: do not edit. The widget parses what the proxy
 * sends with these instead of zod (docs/architecture.md, "Parsing in the browser");
 * test/wire/checks.test.ts holds them to the same verdicts as the schemas.
 */
import type * as wire from './index.js';`,
    RUNTIME.trim(),
    compiler.consts.join('\n'),
    ...exports,
  ].join('\n\n');
  const options = await resolveConfig(OUTPUT);
  return format(source, {...options, filepath: OUTPUT});
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OUTPUT, await generateChecks());
  console.log(`wrote ${OUTPUT}`);
}
