/**
 * @module What `glia-handoff doctor` finds: one result per step, in the order they run. This is
 * also the `--json` document, so its fields are a contract for scripts: `{ok, steps: [{step,
 * title, ok | skipped, status?, gliaMessage?, cause?, fix?, detail?, blockedBy?}]}`.
 */

/** The steps, in the order doctor runs and prints them. */
export const DOCTOR_STEPS = [
  'config',
  'token',
  'create-visitor',
  'update-visitor',
  'queue',
  'webhook',
  'queue-ticket',
  'cancel-ticket',
  'engagement',
] as const;
export type DoctorStepId = (typeof DOCTOR_STEPS)[number];

/** What the checklist calls each step. */
export const STEP_TITLES: Record<DoctorStepId, string> = {
  config: 'Configuration',
  token: 'Token exchange',
  'create-visitor': 'Create a visitor',
  'update-visitor': 'Update the visitor',
  queue: 'Queue is open for chat',
  webhook: 'Webhook URL reachable',
  'queue-ticket': 'File a queue ticket',
  'cancel-ticket': 'Cancel the ticket',
  engagement: 'Engagement permissions',
};

/** A step that worked; `detail` says what was found. */
export interface PassedStep {
  step: DoctorStepId;
  title: string;
  ok: true;
  detail?: string;
}

/** A step that failed: what Glia said, why it most likely happened, and what to change. */
export interface FailedStep {
  step: DoctorStepId;
  title: string;
  ok: false;
  /** Glia's HTTP status, when Glia answered. */
  status?: number;
  /** Glia's own message, when it sent one (never a secret: the client redacts it). */
  gliaMessage?: string;
  cause: string;
  fix: string;
  /** What was called and what happened, in one line. */
  detail?: string;
}

/** A step that did not run: it needs one that failed, or it was not asked for. */
export interface SkippedStep {
  step: DoctorStepId;
  title: string;
  skipped: true;
  /** The failed step this one needed, when that is why it was skipped. */
  blockedBy?: DoctorStepId;
  detail: string;
}

export type DoctorStep = PassedStep | FailedStep | SkippedStep;

/** The whole checklist; `ok` is true when no step failed (skipped steps do not count). */
export interface DoctorReport {
  ok: boolean;
  steps: DoctorStep[];
}

/** True for a step that failed (not one that passed or was skipped). */
export function isFailed(step: DoctorStep): step is FailedStep {
  return 'ok' in step && !step.ok;
}

/** True for a step that passed. */
export function isPassed(step: DoctorStep): step is PassedStep {
  return 'ok' in step && step.ok;
}

/** True for a step that was skipped. */
export function isSkipped(step: DoctorStep): step is SkippedStep {
  return 'skipped' in step;
}

/** Builders, so each check states only what it found. */
export const outcome = {
  passed: (step: DoctorStepId, detail?: string): PassedStep => ({
    step,
    title: STEP_TITLES[step],
    ok: true,
    ...(detail === undefined ? {} : {detail}),
  }),
  failed: (step: DoctorStepId, found: Omit<FailedStep, 'step' | 'title' | 'ok'>): FailedStep => ({
    step,
    title: STEP_TITLES[step],
    ok: false,
    ...(found.status === undefined ? {} : {status: found.status}),
    ...(found.gliaMessage === undefined ? {} : {gliaMessage: found.gliaMessage}),
    cause: found.cause,
    fix: found.fix,
    ...(found.detail === undefined ? {} : {detail: found.detail}),
  }),
  skipped: (step: DoctorStepId, detail: string, blockedBy?: DoctorStepId): SkippedStep => ({
    step,
    title: STEP_TITLES[step],
    skipped: true,
    ...(blockedBy === undefined ? {} : {blockedBy}),
    detail,
  }),
};
