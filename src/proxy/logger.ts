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

/** Values that must never be written; the logger replaces each occurrence. */
export class SecretRegistry {
  private readonly secrets = new Set<string>();

  /** Registers a value to redact. Short values are refused: redacting "a" would mangle every line. */
  add(secret: string): void {
    if (secret.length >= 8) this.secrets.add(secret);
  }

  delete(secret: string): void {
    this.secrets.delete(secret);
  }

  /** `text` with every registered secret and JWT-shaped string replaced. */
  redact(text: string): string {
    let out = text.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '[redacted-jwt]');
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    }
    return out;
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

/** A JSON-lines logger. */
export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const now = options.now ?? (() => Date.now());
  const log = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const record = {time: new Date(now()).toISOString(), level, msg, ...base, ...fields};
    const line = JSON.stringify(scrub(record));
    write(options.secrets ? options.secrets.redact(line) : line);
  };
  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    child: (fields) => createLogger(options, {...base, ...fields}),
  };
}
