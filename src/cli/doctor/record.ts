/**
 * @module `doctor --record FILE`: every answer Glia gave during the run, redacted, to attach to a
 * bug report and to turn into a test fixture (docs/glia.md, "Turning a `doctor --record` file into
 * a fixture"). Each entry has the fixtures' shape, `{_source, body}`, with the request written as
 * a route (`GET /queues/{queue_id}`), so the corpus test picks its reader from it.
 *
 * Redaction keeps every field name, every type and the structure, and replaces values that could
 * identify a tenant or a person: ids (the same id gets the same placeholder everywhere, so how the
 * answers refer to each other stays visible), names, e-mails, phone numbers, notes, custom
 * attribute values, and every token, secret and JWT. Numbers, booleans, `null`, statuses and
 * Glia's own words (messages, media, reasons) are kept: they are what a fixture needs.
 */

/** One answer as doctor's fetch saw it. */
export interface SeenAnswer {
  method: string;
  /** The URL's path, with its ids in place. */
  path: string;
  status: number;
  /** The parsed JSON, or the text when it was not JSON; `undefined` for an empty body. */
  body: unknown;
}

/** One entry of a recording: the fixture shape of test/fixtures/glia/. */
export interface RecordedAnswer {
  _source: {
    from: string;
    request: string;
    status: number;
    recorded_at: string;
    kind: string;
  };
  body: unknown;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;

/** Path segments that follow these are ids, written as the route's placeholder. */
const ROUTE_IDS: Record<string, string> = {
  sites: '{site_id}',
  visitors: '{visitor_id}',
  queues: '{queue_id}',
  queue_tickets: '{ticket_id}',
  engagements: '{engagement_id}',
  operators: '{operator_id}',
  chat_messages: '{message_id}',
  files: '{file_id}',
};

/** `/sites/5b0c…/visitors/1e13…` → `/sites/{site_id}/visitors/{visitor_id}`. */
export function routeOf(path: string): string {
  const parts = path.split('/');
  return parts
    .map((part, index) => {
      const placeholder = index > 0 ? ROUTE_IDS[parts[index - 1] ?? ''] : undefined;
      return placeholder && part !== '' ? placeholder : part;
    })
    .join('/');
}

/** Fields whose string values are replaced by a placeholder of their kind. */
const PERSONAL: Array<[RegExp, (n: number) => string]> = [
  [/token|secret|password|authorization|api_?key/i, () => '<redacted-secret>'],
  [/e-?mail/i, (n) => `person-${n}@example.invalid`],
  [/phone/i, () => '+10000000000'],
  [/(^|_)name$/i, (n) => `Name ${n}`],
  [/note|description|welcome/i, () => '<redacted-text>'],
  [/(^|_)url$/i, () => 'https://example.invalid/redacted'],
];

/** Redacts answers with one set of placeholders, so an id maps to the same one everywhere. */
export class AnswerRedactor {
  private readonly ids = new Map<string, string>();
  private readonly secrets: string[];
  private people = 0;

  /** `secrets`: values to take out wherever they appear (the key secret, minted tokens). */
  constructor(secrets: Iterable<string>) {
    this.secrets = [...new Set(secrets)]
      .filter((s) => s.length >= 6)
      .sort((a, b) => b.length - a.length);
  }

  /** A copy of `value` with field names, types and structure kept, and identifying values replaced. */
  redact(value: unknown, key = '', inAttributes = false): unknown {
    if (Array.isArray(value)) return value.map((item) => this.redact(item, key, inAttributes));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([name, item]) => [
          name,
          this.redact(item, name, inAttributes || /attributes$/.test(name)),
        ])
      );
    }
    if (typeof value !== 'string') return value;
    if (inAttributes) return '<redacted-value>';
    const personal = PERSONAL.find(([field]) => field.test(key));
    if (personal) return personal[1](++this.people);
    if (/(^|_)ids?$/.test(key)) return this.id(value);
    return this.text(value);
  }

  /** Free text: secrets, JWTs and ids inside it replaced, the rest kept. */
  private text(value: string): string {
    let out = value;
    for (const secret of this.secrets) out = out.split(secret).join('<redacted-secret>');
    return out.replace(JWT, '<redacted-secret>').replace(UUID, (id) => this.id(id));
  }

  /** The placeholder of an id: a UUID of zeros and a counter, the same one for the same id. */
  private id(value: string): string {
    const key = value.toLowerCase();
    let placeholder = this.ids.get(key);
    if (!placeholder) {
      placeholder = `00000000-0000-4000-8000-${String(this.ids.size + 1).padStart(12, '0')}`;
      this.ids.set(key, placeholder);
    }
    return placeholder;
  }
}

/** The recording of a run: each answer with a body, redacted, in the order they came. */
export function recording(
  answers: readonly SeenAnswer[],
  secrets: Iterable<string>,
  now: () => number = Date.now
): RecordedAnswer[] {
  const redactor = new AnswerRedactor(secrets);
  return answers
    .filter((answer) => answer.body !== undefined)
    .map((answer) => ({
      _source: {
        from: 'glia-handoff doctor --record',
        request: `${answer.method} ${routeOf(answer.path)}`,
        status: answer.status,
        recorded_at: new Date(now()).toISOString(),
        kind: 'recorded from a Glia tenant by glia-handoff doctor, redacted (ids, names, e-mails, tokens and secrets replaced; field names and types kept)',
      },
      body: redactor.redact(answer.body),
    }));
}
