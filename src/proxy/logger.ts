/**
 * @module Structured JSON logs, one object per line, with secrets redacted three ways: fields whose
 * name says secret, JWT-shaped strings (visitor tokens), and every value registered as a secret
 * (the API key secret, Glia tokens, session tokens, webhook secrets).
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Fields of a log line. */
export type LogFields = Record<string, unknown>;

/** What the proxy logs through; `child` adds fields (e.g. the request id) to every line. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** A run of the characters that tokens, keys and ids are made of (base64url, hex, UUIDs). */
const WORD = /[\w-]{8,}/g;
const WORD_ONLY = /^[\w-]+$/;
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;
/** A value that is one JWT, whole. */
const JWT_ONLY = /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Values that must never be written; the logger replaces each occurrence. A proxy with 10,000
 * conversations holds some 20,000 of them (a bearer token and a webhook secret each), so a line
 * is not searched once per secret: it is cut into words, and each word, and each stretch of it as
 * long as a secret, is looked up in a set. That costs the same with one secret or with 100,000.
 */
export class SecretRegistry {
  /** Secrets made of word characters only (every token the proxy makes), by value. */
  private readonly words = new Set<string>();
  /** How many of `words` have each length. */
  private readonly lengths = new Map<number, number>();
  /** The rest, searched one by one (a key secret with other characters: there are few). */
  private readonly others = new Set<string>();

  /**
   * Registers a value to redact. Short values are refused: redacting "a" would mangle every line.
   * A JWT (Glia's visitor and service tokens) is not kept: `redact` replaces JWT-shaped strings
   * before it looks for registered values, so a registered JWT was never found whole there; it
   * only cost its text (some 500 B per session) and a search of every line for it.
   */
  add(secret: string): void {
    if (secret.length < 8 || JWT_ONLY.test(secret)) return;
    if (!WORD_ONLY.test(secret)) {
      this.others.add(secret);
    } else if (!this.words.has(secret)) {
      this.words.add(secret);
      this.lengths.set(secret.length, (this.lengths.get(secret.length) ?? 0) + 1);
    }
  }

  delete(secret: string): void {
    this.others.delete(secret);
    if (!this.words.delete(secret)) return;
    const left = (this.lengths.get(secret.length) ?? 1) - 1;
    if (left > 0) this.lengths.set(secret.length, left);
    else this.lengths.delete(secret.length);
  }

  /** `text` with every registered secret and JWT-shaped string replaced. */
  redact(text: string): string {
    let out = text.replace(JWT, '[redacted-jwt]');
    if (this.words.size > 0) out = out.replace(WORD, (word) => this.redactWord(word));
    for (const secret of this.others) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    }
    return out;
  }

  /** A word with every registered secret inside it replaced, leftmost first. */
  private redactWord(word: string): string {
    if (this.words.has(word)) return '[redacted]';
    for (let at = 0; at + 8 <= word.length; at++) {
      for (const length of this.lengths.keys()) {
        if (at + length <= word.length && this.words.has(word.slice(at, at + length))) {
          const rest = word.slice(at + length);
          return `${word.slice(0, at)}[redacted]${rest.length >= 8 ? this.redactWord(rest) : rest}`;
        }
      }
    }
    return word;
  }
}

const SECRET_FIELD = /authorization|token|secret|password|cookie|api[-_]?key/i;

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const json = (value as {toJSON?: () => unknown}).toJSON?.();
    return json ?? {name: value.name, message: value.message};
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      SECRET_FIELD.test(key) ? '[redacted]' : scrub(item, depth + 1),
    ])
  );
}

export interface LoggerOptions {
  /** Receives each finished line (default: stdout). Tests capture lines here. */
  write?: (line: string) => void;
  level?: LogLevel;
  secrets?: SecretRegistry;
  now?: () => number;
}

/** The levels in order: a line below the logger's level costs one comparison. */
const RANK = {debug: 0, info: 1, warn: 2, error: 3} satisfies Record<LogLevel, number>;

/** Where a logger and all its children write. */
interface Sink {
  write: (line: string) => void;
  threshold: number;
  now: () => number;
  secrets: SecretRegistry | undefined;
}

/**
 * A JSON-lines logger. A class, so that `child` (one per request) costs one small object and no
 * closures, and a line below the level costs a comparison.
 */
class JsonLogger implements Logger {
  constructor(
    private readonly sink: Sink,
    private readonly base: LogFields
  ) {}

  debug(msg: string, fields?: LogFields): void {
    if (this.sink.threshold <= RANK.debug) this.line('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    if (this.sink.threshold <= RANK.info) this.line('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    if (this.sink.threshold <= RANK.warn) this.line('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.line('error', msg, fields);
  }

  child(fields: LogFields): Logger {
    return new JsonLogger(this.sink, {...this.base, ...fields});
  }

  private line(level: LogLevel, msg: string, fields?: LogFields): void {
    const {sink} = this;
    const record = {time: new Date(sink.now()).toISOString(), level, msg, ...this.base, ...fields};
    const line = JSON.stringify(scrub(record));
    sink.write(sink.secrets ? sink.secrets.redact(line) : line);
  }
}

/** A JSON-lines logger. */
export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const sink: Sink = {
    write: options.write ?? ((line) => process.stdout.write(`${line}\n`)),
    threshold: RANK[options.level ?? 'info'],
    now: options.now ?? Date.now,
    secrets: options.secrets,
  };
  return new JsonLogger(sink, base);
}
