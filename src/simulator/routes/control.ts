/**
 * @module The simulator's control API, for the operator console, the demo, `doctor` and tests.
 * Not part of Glia. Bodies are JSON; errors are `{error: {code, message, details?}}` with 404
 * (unknown id), 409 (wrong state), 422 (bad body).
 *
 * From docs/contract.md ("The simulator's control API"):
 *   GET    /__sim/state                           everything, never a secret (webhook headers omitted)
 *   POST   /__sim/queue_tickets/:id/accept        {operator?: {name}} → 200 {engagement}; fires engagement.start
 *   POST   /__sim/queue_tickets/:id/reject        {reason?} → 200 {ticket}; fires engagement.request.failure
 *   POST   /__sim/engagements/:id/messages        {content, attachment?} → 201 {message}; fires engagement.chat.message (target visitor);
 *                                                  attachment {type: files, files: [{name, content_type, data_base64}]}
 *                                                  or {type: single_choice, options: [{text, value}]} (routes/files.ts)
 *   POST   /__sim/engagements/:id/typing          {typing} → 204; fires engagement.operator_typing [SIM-CHOICE]
 *   POST   /__sim/engagements/:id/transfer        {operator: {name}} → 200 {engagement}; fires engagement.transfer
 *   POST   /__sim/engagements/:id/end             → 200 {engagement}; fires engagement.end
 *   POST   /__sim/credentials                     {api_key_id, api_key_secret, type, policies?} → 201 (200 when replaced)
 *   POST   /__sim/faults                          {rules: [...]} → 200 {rules} (added after the active ones; see faults.ts)
 *   DELETE /__sim/faults                          → 204, no faults
 *   GET    /__sim/log                             {requests: [{at, method, path, credential, status}], webhooks: [...]}
 *
 * Added here (doctor, tests, console):
 *   DELETE /__sim/credentials/:api_key_id         → 204 (404 unknown): revokes it; its tokens and its visitors' tokens stop working
 *   GET    /__sim/config, POST /__sim/config      {auto_operator?: false | {accept_after_ms, reply_after_ms, operator_name?},
 *                                                  token_ttl_seconds?, visitor_token_ttl_seconds?, message_status_delay_ms?,
 *                                                  webhook_retry?: {attempts, base_delay_ms}, webhook_timeout_ms?,
 *                                                  shapes?: 'recorded' | 'sparse'}
 *                                                  → 200 the whole config
 *   POST   /__sim/reset                           → 204: back to the seed (config, faults and log too)
 *   GET    /__sim/events                          SSE: `event: change`, data `{type, ticket_id?, engagement_id?, visitor_id?}`
 *                                                  on every state change; `: ping` every 15 s
 *   GET    /__sim/faults                          → {rules: [... with remaining]}
 *   DELETE /__sim/log                             → 204, log emptied
 *   POST   /__sim/queues/:id                      {open?, average_wait_time?} → 200 {queue}: open or close a
 *                                                  queue, set the average wait it reports (seconds, or null)
 */
import {SSE_HEARTBEAT} from '../../kit/sse.js';
import type {Context} from 'hono';
import {Hono} from 'hono';
import {streamSSE} from 'hono/streaming';
import type {z} from 'zod/mini';
import {POLICIES} from '../../wire/glia/index.js';
import {autoOperatorSwitchedOn} from '../auto-operator.js';
import type {ActionResult} from '../engagement-actions.js';
import {FaultRulesRequest} from '../faults.js';
import {OPERATOR_MESSAGE_MAX_BYTES, operatorAttachment} from './files.js';
import type {ValidationDetail} from '../glia-errors.js';
import {readJsonBody, toDetails} from '../read-body.js';
import type {SimContext, SimEnv} from '../sim-context.js';
import type {StateChange} from '../store.js';
import {
  applyConfig,
  configState,
  credentialState,
  engagementState,
  messageState,
  stateView,
  ticketState,
} from '../control-views.js';
import {
  AcceptRequest,
  ConfigRequest,
  OperatorMessageRequest,
  OperatorTypingRequest,
  QueueUpdateRequest,
  RegisterCredentialRequest,
  RejectRequest,
  TransferRequest,
} from '../control-schemas.js';

const HEARTBEAT_MS = 15_000;

/** Routes under `/__sim`. `onReset` restores the configuration the simulator started with. */
export function controlRoutes(
  sim: SimContext,
  hooks: {onReset: () => void; onClose: Set<() => void>}
): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.get('/state', (c) => c.json(stateView(sim.store)));

  app.post('/queue_tickets/:id/accept', async (c) => {
    const body = await parse(c, sim, AcceptRequest);
    if (body instanceof Response) return body;
    const done = sim.actions.accept(c.req.param('id'), body.operator?.name);
    return answer(c, done, (engagement) =>
      c.json({engagement: engagementState(sim.store, engagement)})
    );
  });

  app.post('/queue_tickets/:id/reject', async (c) => {
    const body = await parse(c, sim, RejectRequest);
    if (body instanceof Response) return body;
    const done = sim.actions.reject(c.req.param('id'), body.reason);
    return answer(c, done, (ticket) => c.json({ticket: ticketState(ticket)}));
  });

  app.post('/engagements/:id/messages', async (c) => {
    const body = await parse(c, sim, OperatorMessageRequest, OPERATOR_MESSAGE_MAX_BYTES);
    if (body instanceof Response) return body;
    const engagementId = c.req.param('id');
    const attachment = body.attachment && operatorAttachment(sim, engagementId, body.attachment);
    if (attachment && 'problem' in attachment)
      return controlError(c, 422, 'invalid_request', attachment.problem);
    const done = sim.actions.operatorMessage(
      engagementId,
      body.content ?? '',
      undefined,
      attachment
    );
    return answer(c, done, (message) => c.json({message: messageState(message)}, 201));
  });

  app.post('/engagements/:id/typing', async (c) => {
    const body = await parse(c, sim, OperatorTypingRequest);
    if (body instanceof Response) return body;
    const done = sim.actions.operatorTyping(c.req.param('id'), body.typing);
    return answer(c, done, () => c.body(null, 204));
  });

  app.post('/engagements/:id/transfer', async (c) => {
    const body = await parse(c, sim, TransferRequest);
    if (body instanceof Response) return body;
    const done = sim.actions.transfer(c.req.param('id'), body.operator.name);
    return answer(c, done, (engagement) =>
      c.json({engagement: engagementState(sim.store, engagement)})
    );
  });

  app.post('/engagements/:id/end', (c) => {
    const done = sim.actions.end(c.req.param('id'), 'operator');
    return answer(c, done, (engagement) =>
      c.json({engagement: engagementState(sim.store, engagement)})
    );
  });

  app.post('/credentials', async (c) => {
    const body = await parse(c, sim, RegisterCredentialRequest);
    if (body instanceof Response) return body;
    const replaced = sim.store.credentials.has(body.api_key_id);
    const credential = sim.store.addCredential(
      body.api_key_id,
      body.api_key_secret,
      body.type,
      body.policies ?? POLICIES
    );
    sim.store.notify({type: 'credential.registered'});
    return c.json({credential: credentialState(credential)}, replaced ? 200 : 201);
  });

  app.delete('/credentials/:apiKeyId', (c) => {
    if (!sim.store.revokeCredential(c.req.param('apiKeyId')))
      return controlError(c, 404, 'not_found', 'No such credential');
    sim.store.notify({type: 'credential.revoked'});
    return c.body(null, 204);
  });

  app.get('/faults', (c) => c.json({rules: sim.faults.list()}));
  app.post('/faults', async (c) => {
    const body = await parse(c, sim, FaultRulesRequest);
    if (body instanceof Response) return body;
    const pointless = body.rules.findIndex(
      (r) =>
        r.status === undefined &&
        r.delay_ms === undefined &&
        !r.drop_webhook &&
        !r.duplicate_webhook
    );
    if (pointless >= 0)
      return controlError(
        c,
        422,
        'invalid_request',
        'A rule needs status, delay_ms, drop_webhook or duplicate_webhook',
        [{attribute: `rules.${pointless}`, detail: 'has no effect'}]
      );
    sim.faults.add(body.rules);
    return c.json({rules: sim.faults.list()});
  });
  app.delete('/faults', (c) => {
    sim.faults.clear();
    return c.body(null, 204);
  });

  app.get('/log', (c) => c.json({requests: sim.log.requests, webhooks: sim.log.deliveries}));
  app.delete('/log', (c) => {
    sim.log.clear();
    return c.body(null, 204);
  });

  app.get('/config', (c) => c.json(configState(sim)));
  app.post('/config', async (c) => {
    const body = await parse(c, sim, ConfigRequest);
    if (body instanceof Response) return body;
    const wasOn = Boolean(sim.config.autoOperator);
    applyConfig(sim, body);
    if (!wasOn && sim.config.autoOperator) autoOperatorSwitchedOn(sim);
    sim.store.notify({type: 'config.changed'});
    return c.json(configState(sim));
  });

  app.post('/queues/:id', async (c) => {
    const body = await parse(c, sim, QueueUpdateRequest);
    if (body instanceof Response) return body;
    const queue = sim.store.queues.get(c.req.param('id'));
    if (!queue) return controlError(c, 404, 'not_found', 'No such queue');
    if (body.open !== undefined) queue.open = body.open;
    if (body.average_wait_time !== undefined) queue.averageWaitSeconds = body.average_wait_time;
    sim.store.notify({type: 'queue.changed'});
    return c.json({
      queue: {
        id: queue.id,
        site_id: queue.siteId,
        name: queue.name,
        open: queue.open,
        average_wait_time: queue.averageWaitSeconds,
      },
    });
  });

  app.post('/reset', (c) => {
    hooks.onReset();
    return c.body(null, 204);
  });

  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      const changes: StateChange[] = [];
      let wake: (() => void) | undefined;
      let open = true;
      const stop = () => {
        open = false;
        wake?.();
      };
      const unsubscribe = sim.store.subscribe((change) => {
        changes.push(change);
        wake?.();
      });
      hooks.onClose.add(stop);
      stream.onAbort(stop);
      await stream.writeSSE({event: 'hello', data: JSON.stringify({type: 'hello'})});
      while (open) {
        for (let change = changes.shift(); change; change = changes.shift())
          await stream.writeSSE({event: 'change', data: JSON.stringify(change)});
        const timedOut = await new Promise<boolean>((resolve) => {
          const cancel = sim.scheduler.schedule(() => resolve(true), HEARTBEAT_MS);
          wake = () => {
            cancel();
            resolve(false);
          };
        });
        wake = undefined;
        if (timedOut && open) await stream.write(SSE_HEARTBEAT);
      }
      unsubscribe();
      hooks.onClose.delete(stop);
    })
  );

  return app;
}

async function parse<S extends z.ZodMiniType>(
  c: Context,
  sim: SimContext,
  schema: S,
  maxBytes = sim.config.maxBodyBytes
): Promise<z.infer<S> | Response> {
  const raw = await readJsonBody(c, maxBytes);
  if (!raw.ok) {
    const status = raw.response.status === 413 ? 413 : 400;
    return controlError(
      c,
      status,
      status === 413 ? 'too_large' : 'malformed_json',
      'The body must be JSON under the size limit'
    );
  }
  const input = raw.data === undefined ? {} : raw.data;
  const parsed = schema.safeParse(input);
  if (!parsed.success)
    return controlError(
      c,
      422,
      'invalid_request',
      'The body is not valid for this route',
      toDetails(parsed.error.issues, input)
    );
  return parsed.data as z.infer<S>;
}

function answer<T>(c: Context, result: ActionResult<T>, ok: (value: T) => Response): Response {
  if (result.ok) return ok(result.value);
  return controlError(c, result.error === 'not_found' ? 404 : 409, result.error, result.message);
}

function controlError(
  c: Context,
  status: 400 | 404 | 409 | 413 | 422,
  code: string,
  message: string,
  details?: ValidationDetail[]
): Response {
  return c.json({error: {code, message, ...(details ? {details} : {})}}, status);
}
