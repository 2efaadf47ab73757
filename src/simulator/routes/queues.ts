/**
 * @module Queues and queue tickets (docs/glia.md, "Queues and queue tickets", "The simulator"). Tickets are filed with the visitor's
 * token, checked against the `create_queue_ticket` policy of the credential that created the
 * visitor. One active ticket per visitor: the same criteria again → 200 with the same ticket,
 * other criteria → 409.
 *
 * [SIM-CHOICE] No REST route to fetch or cancel a ticket is known (docs/glia.md, "Queues and queue tickets"); the simulator
 * offers `GET /queue_tickets/:id` and `DELETE /queue_tickets/:id` (visitor token; 204, 404 unknown,
 * 422 no longer waiting).
 */
import {Hono} from 'hono';
import {CreateQueueTicketRequest, WEBHOOK_EVENTS} from '../../wire/glia/index.js';
import {authorize} from '../auth.js';
import type {ValidationDetail} from '../glia-errors.js';
import {conflict, notFound, validationError} from '../glia-errors.js';
import {queueView, ticketView, viewOf} from '../glia-views.js';
import {readBody} from '../read-body.js';
import type {SimContext, SimEnv} from '../sim-context.js';
import type {Ticket} from '../store.js';

/** Glia's limit on webhooks per ticket (docs/glia.md, "Webhooks"). */
export const MAX_WEBHOOKS = 10;

/** Routes of queues and queue tickets. */
export function queueRoutes(sim: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.get('/queues/:queueId', (c) => {
    const who = authorize(sim, c, {allow: ['service', 'site'], policy: 'fetch_queue'});
    if (who instanceof Response) return who;
    const queue = sim.store.queues.get(c.req.param('queueId'));
    if (!queue || queue.siteId !== who.credential.siteId) return notFound(c, 'Queue');
    return c.json(queueView(queue, viewOf(sim, c)));
  });

  app.post('/queue_tickets', async (c) => {
    const who = authorize(sim, c, {allow: ['visitor'], policy: 'create_queue_ticket'});
    if (who instanceof Response) return who;
    if (who.kind !== 'visitor') return notFound(c, 'Visitor');
    const body = await readBody(c, CreateQueueTicketRequest, sim.config.maxBodyBytes);
    if (!body.ok) return body.response;
    const request = body.data;
    const problems: ValidationDetail[] = [];
    if (request.media !== 'text' && request.media !== 'phone')
      problems.push({attribute: 'media', detail: 'must be text or phone for visitor integrators'});
    if (request.queue_id !== undefined && request.queue_ids !== undefined)
      problems.push({attribute: 'queue_id', detail: 'cannot be combined with queue_ids'});
    if (request.team_ids !== undefined)
      problems.push({
        attribute: 'team_ids',
        detail: 'is not supported by the simulator; use queue_id',
      });
    const queueIds =
      request.queue_ids ?? (request.queue_id === undefined ? [] : [request.queue_id]);
    if (queueIds.length === 0 && request.team_ids === undefined)
      problems.push({attribute: 'queue_id', detail: 'must be present'});
    if ((request.webhooks?.length ?? 0) > MAX_WEBHOOKS)
      problems.push({attribute: 'webhooks', detail: `must have at most ${MAX_WEBHOOKS} entries`});
    const knownEvents = new Set<string>([...WEBHOOK_EVENTS, sim.config.fileScanEvent]);
    request.webhooks?.forEach((webhook, index) => {
      const unknown = webhook.events.find((event) => !knownEvents.has(event));
      if (unknown !== undefined)
        problems.push({
          attribute: `webhooks.${index}.events`,
          detail: `${unknown.slice(0, 100)} is not a known event`,
        });
    });
    if (request.site_id !== who.visitor.siteId)
      problems.push({
        attribute: 'site_id',
        detail: sim.store.sites.has(request.site_id)
          ? "must be the visitor's site"
          : 'does not exist',
      });
    for (const id of queueIds) {
      const queue = sim.store.queues.get(id);
      if (!queue || queue.siteId !== who.visitor.siteId)
        problems.push({
          attribute: request.queue_ids ? 'queue_ids' : 'queue_id',
          detail: `${id} does not exist`,
        });
    }
    if (problems.length > 0) return validationError(c, problems);
    const media = request.media as Ticket['media'];
    const active = sim.store.activeTicketOf(who.visitor.id);
    if (active) {
      const same =
        active.siteId === request.site_id &&
        active.media === media &&
        sameSet(active.queueIds, queueIds);
      if (same) return c.json(ticketView(active, viewOf(sim, c)), 200);
      return conflict(c, 'The visitor already has an active queue ticket with other criteria');
    }
    const ticket: Ticket = {
      id: sim.deps.randomUUID(),
      siteId: request.site_id,
      visitorId: who.visitor.id,
      queueIds,
      media,
      source: request.source ?? null,
      state: 'queued',
      webhooks: request.webhooks ?? [],
      createdAt: sim.deps.now(),
      engagementId: null,
      failureReason: null,
    };
    sim.store.addTicket(ticket);
    sim.actions.ticketFiled(ticket);
    return c.json(ticketView(ticket, viewOf(sim, c)), 201);
  });

  app.get('/queue_tickets/:ticketId', (c) => {
    const who = authorize(sim, c, {
      allow: ['visitor', 'service', 'site'],
      policy: 'fetch_engagement_requests',
    });
    if (who instanceof Response) return who;
    const ticket = sim.store.tickets.get(c.req.param('ticketId'));
    const visible =
      ticket &&
      (who.kind === 'visitor'
        ? ticket.visitorId === who.visitor.id
        : ticket.siteId === who.credential.siteId);
    if (!ticket || !visible) return notFound(c, 'Queue ticket');
    return c.json(ticketView(ticket, viewOf(sim, c)));
  });

  app.delete('/queue_tickets/:ticketId', (c) => {
    const who = authorize(sim, c, {allow: ['visitor'], policy: 'create_queue_ticket'});
    if (who instanceof Response) return who;
    if (who.kind !== 'visitor') return notFound(c, 'Visitor');
    const ticket = sim.store.tickets.get(c.req.param('ticketId'));
    if (!ticket || ticket.visitorId !== who.visitor.id) return notFound(c, 'Queue ticket');
    if (ticket.state !== 'queued')
      return validationError(c, [
        {attribute: 'state', detail: `is ${ticket.state}; only a waiting ticket can be cancelled`},
      ]);
    sim.actions.cancel(ticket);
    return c.body(null, 204);
  });

  return app;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}
