/**
 * @module The log of Glia API requests the simulator received (`GET /__sim/log`), and of the
 * webhook deliveries it made. Method, path, credential kind and status only: never a token, a
 * secret, a header or a body.
 */

export const CREDENTIAL_KINDS = ['service', 'site', 'visitor', 'none'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  credential: CredentialKind;
  status: number;
}

export interface DeliveryLogEntry {
  at: string;
  event_type: string;
  url: string;
  method: string;
  attempt: number;
  /** The receiver's status, or `null` when the request failed (network error) or never left. */
  status: number | null;
  outcome: 'delivered' | 'failed' | 'retrying' | 'dropped';
}

const LIMIT = 1000;

/** Bounded, newest last. */
export class RequestLog {
  readonly requests: RequestLogEntry[] = [];
  readonly deliveries: DeliveryLogEntry[] = [];

  addRequest(entry: RequestLogEntry): void {
    push(this.requests, entry);
  }

  addDelivery(entry: DeliveryLogEntry): void {
    push(this.deliveries, entry);
  }

  clear(): void {
    this.requests.length = 0;
    this.deliveries.length = 0;
  }
}

function push<T>(list: T[], entry: T): void {
  list.push(entry);
  if (list.length > LIMIT) list.splice(0, list.length - LIMIT);
}
