/**
 * @module Visitors (docs/glia.md, "Visitors"): create, renew the token, fetch, update with replace/append
 * note and replace/merge custom attributes (`null` deletes a key under merge).
 */
import type {Context} from 'hono';
import {Hono} from 'hono';
import {UpdateVisitorRequest} from '../../wire/glia/index.js';
import {authorize} from '../auth.js';
import {notFound, validationError} from '../glia-errors.js';
import {visitorView, viewOf} from '../glia-views.js';
import {readBody, readJsonBody} from '../read-body.js';
import type {SimContext, SimEnv} from '../sim-context.js';
import type {Visitor} from '../store.js';
import {signVisitorToken} from '../visitor-token.js';

/** Routes of the visitor resource. */
export function visitorRoutes(sim: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.post('/visitors', async (c) => {
    const who = authorize(sim, c, {allow: ['service', 'site'], policy: 'create_visitor'});
    if (who instanceof Response) return who;
    const body = await optionalObjectBody(c, sim.config.maxBodyBytes);
    if (body) return body;
    const id = sim.deps.randomUUID();
    const visitor: Visitor = {
      id,
      siteId: who.credential.siteId,
      creatorApiKeyId: who.credential.apiKeyId,
      name: null,
      email: null,
      phone: null,
      note: null,
      customAttributes: {},
      generatedName: `Visitor #${(parseInt(id.replaceAll('-', '').slice(0, 6), 16) % 9000) + 1000}`,
    };
    sim.store.visitors.set(id, visitor);
    sim.store.notify({type: 'visitor.created', visitor_id: id});
    return c.json({id, access_token: visitorToken(sim, visitor)}, 200);
  });

  app.post('/visitors/:visitorId/token', async (c) => {
    const who = authorize(sim, c, {allow: ['service', 'site'], policy: 'create_visitor'});
    if (who instanceof Response) return who;
    const body = await optionalObjectBody(c, sim.config.maxBodyBytes);
    if (body) return body;
    const visitor = sim.store.visitors.get(c.req.param('visitorId'));
    if (!visitor || visitor.siteId !== who.credential.siteId) return notFound(c, 'Visitor');
    return c.json({id: visitor.id, access_token: visitorToken(sim, visitor)}, 200);
  });

  app.get('/sites/:siteId/visitors/:visitorId', (c) => {
    const who = authorize(sim, c, {allow: ['service', 'site'], policy: 'fetch_visitor'});
    if (who instanceof Response) return who;
    const visitor = siteVisitor(
      sim,
      c.req.param('siteId'),
      c.req.param('visitorId'),
      who.credential.siteId
    );
    if (!visitor) return notFound(c, 'Visitor');
    return c.json(visitorView(visitor, viewOf(sim, c)));
  });

  // Old docs: PATCH endpoints also accept POST (docs/glia.md, "Visitors").
  for (const method of ['patch', 'post'] as const) {
    app[method]('/sites/:siteId/visitors/:visitorId', async (c) => {
      const who = authorize(sim, c, {allow: ['service', 'site'], policy: 'update_visitor'});
      if (who instanceof Response) return who;
      const visitor = siteVisitor(
        sim,
        c.req.param('siteId'),
        c.req.param('visitorId'),
        who.credential.siteId
      );
      if (!visitor) return notFound(c, 'Visitor');
      const body = await readBody(c, UpdateVisitorRequest, sim.config.maxBodyBytes);
      if (!body.ok) return body.response;
      applyUpdate(visitor, body.data);
      sim.store.notify({type: 'visitor.updated', visitor_id: visitor.id});
      return c.json(visitorView(visitor, viewOf(sim, c)));
    });
  }

  return app;
}

/**
 * Glia's clients send no body or `{}` here; any JSON object is accepted and its keys ignored.
 * Returns the error response for anything else.
 */
async function optionalObjectBody(c: Context, maxBytes: number): Promise<Response | undefined> {
  const body = await readJsonBody(c, maxBytes);
  if (!body.ok) return body.response;
  const value = body.data;
  if (value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value)))
    return undefined;
  return validationError(c, [{attribute: 'body', detail: 'must be an object'}]);
}

function visitorToken(sim: SimContext, visitor: Visitor): string {
  return signVisitorToken(
    sim.jwtSecret,
    {visitorId: visitor.id, siteId: visitor.siteId, apiKeyId: visitor.creatorApiKeyId},
    sim.deps.now(),
    sim.config.visitorTokenTtlSeconds
  );
}

function siteVisitor(
  sim: SimContext,
  siteId: string,
  visitorId: string,
  callerSite: string
): Visitor | undefined {
  if (siteId !== callerSite) return undefined;
  const visitor = sim.store.visitors.get(visitorId);
  return visitor?.siteId === siteId ? visitor : undefined;
}

function applyUpdate(visitor: Visitor, update: UpdateVisitorRequest): void {
  if (update.name !== undefined) visitor.name = update.name;
  if (update.email !== undefined) visitor.email = update.email;
  // Glia returns the phone normalised without `+` (docs/glia.md, "Visitors").
  if (update.phone !== undefined) visitor.phone = update.phone.replace(/^\+/, '');
  if (update.note !== undefined) {
    visitor.note =
      update.note_update_method === 'append' && visitor.note
        ? `${visitor.note}\n${update.note}`
        : update.note;
  }
  if (update.custom_attributes !== undefined) {
    const next =
      update.custom_attributes_update_method === 'merge' ? {...visitor.customAttributes} : {};
    for (const [key, value] of Object.entries(update.custom_attributes)) {
      if (value === null) delete next[key];
      else next[key] = value;
    }
    visitor.customAttributes = next;
  }
}
