/** @module The parts of one simulator instance that routes share, and the Hono env they run in. */
import type {ResolvedDeps, SimulatorConfig} from './deps.js';
import type {EngagementActions} from './engagement-actions.js';
import type {FaultRules} from './faults.js';
import type {RequestLog} from './request-log.js';
import type {Scheduler} from './scheduler.js';
import type {Credential, SimulatorStore, Visitor} from './store.js';
import type {WebhookDispatcher} from './webhooks.js';

/** One simulator: its world, configuration, clock, timers and outputs. */
export interface SimContext {
  store: SimulatorStore;
  config: SimulatorConfig;
  deps: ResolvedDeps;
  scheduler: Scheduler;
  webhooks: WebhookDispatcher;
  actions: EngagementActions;
  faults: FaultRules;
  log: RequestLog;
  /** Signs visitor tokens; random per instance, never shown. */
  jwtSecret: string;
}

/** Who is calling: a service or site token's credential, or a visitor and the credential that made it. */
export type Principal =
  | {kind: 'service' | 'site'; credential: Credential}
  | {kind: 'visitor'; visitor: Visitor; credential: Credential};

export interface SimEnv {
  Variables: {principal: Principal};
}
