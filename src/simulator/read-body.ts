/**
 * @module Reads a JSON body with a size cap and validates it against a wire/glia schema, turning
 * every problem into Glia's 4xx shape (never a 500; nothing changes before the body is valid).
 */
import type {Context} from 'hono';
import type {z} from 'zod/mini';
import type {ValidationDetail} from './glia-errors.js';
import {badRequest, payloadTooLarge, validationError} from './glia-errors.js';

/** A parsed body, or the error response to send. */
export type BodyResult<T> = {ok: true; data: T} | {ok: false; response: Response};

/** Reads the raw body as JSON (`undefined` when empty), capped at `maxBytes`. */
export async function readJsonBody(c: Context, maxBytes: number): Promise<BodyResult<unknown>> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) return {ok: false, response: payloadTooLarge(c, maxBytes)};
  let text: string;
  try {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > maxBytes) return {ok: false, response: payloadTooLarge(c, maxBytes)};
    text = new TextDecoder('utf-8', {fatal: true}).decode(bytes);
  } catch {
    return {
      ok: false,
      response: badRequest(c, 'Malformed request body', 'The body must be UTF-8 JSON'),
    };
  }
  if (text.trim() === '') return {ok: true, data: undefined};
  try {
    return {ok: true, data: JSON.parse(text) as unknown};
  } catch {
    return {
      ok: false,
      response: badRequest(c, 'Malformed JSON', 'The request body is not valid JSON'),
    };
  }
}

/** Reads and validates the body; an empty body is validated as `{}` when `emptyAsObject`. */
export async function readBody<S extends z.ZodMiniType>(
  c: Context,
  schema: S,
  maxBytes: number,
  emptyAsObject = true
): Promise<BodyResult<z.infer<S>>> {
  const raw = await readJsonBody(c, maxBytes);
  if (!raw.ok) return raw;
  const input = raw.data === undefined && emptyAsObject ? {} : raw.data;
  const parsed = schema.safeParse(input);
  if (parsed.success) return {ok: true, data: parsed.data as z.infer<S>};
  return {ok: false, response: validationError(c, toDetails(parsed.error.issues, input))};
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  keys?: string[];
  values?: unknown[];
  minimum?: unknown;
  maximum?: unknown;
  format?: string;
}

/** zod/mini says "Invalid input" for everything; Glia says what is wrong with which attribute. */
export function toDetails(issues: readonly unknown[], input: unknown): ValidationDetail[] {
  return (issues as Issue[]).flatMap((issue): ValidationDetail[] => {
    const attribute = issue.path.map(String).join('.') || 'body';
    switch (issue.code) {
      case 'unrecognized_keys':
        return (issue.keys ?? []).map((key) => ({
          attribute: issue.path.length ? `${attribute}.${key}` : key,
          detail: 'is not a known attribute',
        }));
      case 'invalid_type':
        return [
          {
            attribute,
            detail:
              valueAt(input, issue.path) === undefined
                ? 'must be present'
                : `must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected ?? 'value'}`}`,
          },
        ];
      case 'invalid_value':
        return [
          {attribute, detail: `must be one of: ${(issue.values ?? []).map(String).join(', ')}`},
        ];
      case 'too_small':
        return [{attribute, detail: `is too short (minimum ${String(issue.minimum)})`}];
      case 'too_big':
        return [{attribute, detail: `is too long (maximum ${String(issue.maximum)})`}];
      case 'invalid_format':
        return [{attribute, detail: `must be a valid ${issue.format ?? 'value'}`}];
      case 'invalid_union':
        return [{attribute, detail: 'is invalid'}];
      default:
        return [{attribute, detail: 'is invalid'}];
    }
  });
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
