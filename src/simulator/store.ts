/**
 * @module The simulator's in-memory world: credentials, tokens, visitors, queues, tickets,
 * engagements and operators, seeded from SEED and reset back to it. Plain data; the rules live in
 * the routes and in operator-actions.ts.
 */
import type {CredentialType, Policy, WebhookRegistration} from '../wire/glia/index.js';
import {POLICIES} from '../wire/glia/index.js';
import {SEED} from './seed.js';

export interface Credential {
  apiKeyId: string;
  apiKeySecret: string;
  type: CredentialType;
  policies: Set<Policy>;
  siteId: string;
}

/** A service or site bearer token. Visitor tokens are JWTs and are not stored. */
export interface IssuedToken {
  apiKeyId: string;
  type: CredentialType;
  expiresAt: number;
}

export interface Visitor {
  id: string;
  siteId: string;
  /** The api_key_id of the credential that created the visitor: its policies govern the visitor token. */
  creatorApiKeyId: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  note: string | null;
  customAttributes: Record<string, string>;
  generatedName: string;
}

export interface Queue {
  id: string;
  siteId: string;
  name: string;
  open: boolean;
  /** What the queue reports as `average_wait_time` (seconds), or null for none. */
  averageWaitSeconds: number | null;
}

export interface Operator {
  id: string;
  name: string;
}

export const TICKET_STATES = ['queued', 'accepted', 'failed', 'cancelled'] as const;
export type TicketState = (typeof TICKET_STATES)[number];

export interface Ticket {
  id: string;
  siteId: string;
  visitorId: string;
  queueIds: string[];
  media: 'text' | 'phone';
  source: string | null;
  state: TicketState;
  webhooks: WebhookRegistration[];
  createdAt: number;
  engagementId: string | null;
  failureReason: string | null;
}

export interface Message {
  id: string;
  engagementId: string;
  subEngagementId: string;
  content: string;
  target: 'visitor' | 'operator';
  type: string;
  status: string;
  sender: {type: 'visitor' | 'operator'; name: string | null};
  at: number;
  /** Its place in the engagement (0 for the first message). */
  position: number;
  /** Files by id, or a single-choice question or its answer, as sent (docs/glia.md, "Chat messages"). */
  attachment?: StoredAttachment;
}

/** A message's attachment as the simulator keeps it: the files themselves, choices as sent. */
export type StoredAttachment =
  | {type: 'files'; files: SimFile[]}
  | {type: 'single_choice'; options: {text: string; value: string}[]; image_url?: string}
  | {type: 'single_choice_response'; selected_option: string};

/** An uploaded file (visitor, `POST /engagements/{id}/files`) or an operator's (control API). */
export interface SimFile {
  id: string;
  engagementId: string;
  uploadedBy: 'visitor' | 'operator';
  name: string;
  contentType: string;
  bytes: Uint8Array;
  /** `pending` until the scan reports; only a `clean` file can be sent. */
  scan: 'pending' | 'clean' | 'infected';
  /** Glia removed it: it is still listed on its message, but can no longer be fetched. */
  deleted: boolean;
  at: number;
}

/** What an engagement allows the visitor to send (the JS SDK's `allowFileSending`, `allowedFileContentTypes`). */
export interface FileSending {
  allowed: boolean;
  contentTypes: string[];
}

export interface Leg {
  id: string;
  operatorId: string;
  acceptedAt: number;
  endedAt: number | null;
  endReason: string | null;
}

export interface Engagement {
  id: string;
  ticketId: string;
  visitorId: string;
  siteId: string;
  queueId: string;
  operatorId: string;
  state: 'active' | 'ended';
  legs: Leg[];
  messages: Message[];
  createdAt: number;
  endedAt: number | null;
  endedBy: 'visitor' | 'operator' | 'system' | null;
  visitorTyping: boolean;
  operatorTyping: boolean;
  fileSending: FileSending;
}

/** What changed, for the console's live view (`GET /__sim/events`). Never carries a secret. */
export interface StateChange {
  type: string;
  ticket_id?: string;
  engagement_id?: string;
  visitor_id?: string;
}

/** The simulator's world. */
export class SimulatorStore {
  readonly credentials = new Map<string, Credential>();
  readonly tokens = new Map<string, IssuedToken>();
  readonly visitors = new Map<string, Visitor>();
  readonly queues = new Map<string, Queue>();
  readonly operators = new Map<string, Operator>();
  readonly tickets = new Map<string, Ticket>();
  readonly engagements = new Map<string, Engagement>();
  /** Chat message ids are chosen by clients and global: a retry with the same id is the same message. */
  readonly messages = new Map<string, Message>();
  readonly files = new Map<string, SimFile>();
  readonly sites = new Set<string>();
  /** Each visitor's tickets, oldest first: `activeTicketOf` without a walk over every ticket. */
  private readonly ticketsByVisitor = new Map<string, Ticket[]>();
  private readonly listeners = new Set<(change: StateChange) => void>();

  constructor() {
    this.reset();
  }

  /** Back to SEED: every visitor, ticket, engagement and token is forgotten. */
  reset(): void {
    for (const map of [
      this.credentials,
      this.tokens,
      this.visitors,
      this.queues,
      this.operators,
      this.tickets,
      this.engagements,
      this.messages,
      this.files,
      this.ticketsByVisitor,
    ])
      map.clear();
    this.sites.clear();
    this.sites.add(SEED.siteId);
    for (const [queue, open] of [
      [SEED.openQueue, true],
      [SEED.closedQueue, false],
    ] as const)
      this.queues.set(queue.id, {
        id: queue.id,
        siteId: SEED.siteId,
        name: queue.name,
        open,
        averageWaitSeconds: queue.averageWaitSeconds,
      });
    this.addCredential(
      SEED.serviceCredential.apiKeyId,
      SEED.serviceCredential.apiKeySecret,
      'service'
    );
    this.addCredential(SEED.siteApiKey.apiKeyId, SEED.siteApiKey.apiKeySecret, 'site');
    for (const operator of SEED.operators) this.operators.set(operator.id, {...operator});
    this.notify({type: 'reset'});
  }

  /** Registers (or replaces) a credential; `policies` omitted = all of them. */
  addCredential(
    apiKeyId: string,
    apiKeySecret: string,
    type: CredentialType,
    policies: readonly Policy[] = POLICIES
  ): Credential {
    const credential = {
      apiKeyId,
      apiKeySecret,
      type,
      policies: new Set(policies),
      siteId: SEED.siteId,
    };
    this.credentials.set(apiKeyId, credential);
    return credential;
  }

  /** Removes a credential; its tokens, and the tokens of visitors it created, stop working. */
  revokeCredential(apiKeyId: string): boolean {
    for (const [value, token] of this.tokens)
      if (token.apiKeyId === apiKeyId) this.tokens.delete(value);
    return this.credentials.delete(apiKeyId);
  }

  /** The operator with this name, created on first use (the console lets a person type any name). */
  operatorNamed(name: string, randomUUID: () => string): Operator {
    for (const operator of this.operators.values()) if (operator.name === name) return operator;
    const operator = {id: randomUUID(), name};
    this.operators.set(operator.id, operator);
    return operator;
  }

  /** Files a new ticket. */
  addTicket(ticket: Ticket): void {
    this.tickets.set(ticket.id, ticket);
    const own = this.ticketsByVisitor.get(ticket.visitorId);
    if (own) own.push(ticket);
    else this.ticketsByVisitor.set(ticket.visitorId, [ticket]);
  }

  /** The active (queued, or accepted with a live engagement) ticket of a visitor, if any. */
  activeTicketOf(visitorId: string): Ticket | undefined {
    for (const ticket of this.ticketsByVisitor.get(visitorId) ?? []) {
      if (ticket.state === 'queued') return ticket;
      if (ticket.state === 'accepted' && ticket.engagementId) {
        if (this.engagements.get(ticket.engagementId)?.state === 'active') return ticket;
      }
    }
    return undefined;
  }

  /** Listens to state changes; returns the unsubscribe function. */
  subscribe(listener: (change: StateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every listener (the console's SSE streams) that something changed. */
  notify(change: StateChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
