/**
 * @module Engagements, chat messages, the typing indicator and operators (docs/glia.md, "Engagements", "Chat messages", "The simulator").
 * The sender of a chat message is inferred from the token. A visitor token is a participant only
 * of its own visitor's engagements; service and site tokens may read (with `fetch_engagement`) and
 * send as the serving operator (with `update_engagement`), but are not participants, so they can
 * neither end an engagement nor type in it.
 */
import type {Context} from 'hono';
import {Hono} from 'hono';
import {
  EndEngagementRequest,
  GliaId,
  SendChatMessageRequest,
  TypingIndicatorRequest,
} from '../../wire/glia/index.js';
import {authorize} from '../auth.js';
import {conflict, forbidden, notFound, validationError} from '../glia-errors.js';
import {engagementView, messageView, operatorView, transcriptView, viewOf} from '../glia-views.js';
import {readBody} from '../read-body.js';
import type {Principal, SimContext, SimEnv} from '../sim-context.js';
import type {Engagement} from '../store.js';
import {resolveAttachment} from './files.js';

/** Routes of engagements and operators. */
export function engagementRoutes(sim: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.get('/engagements/:engagementId', (c) => {
    const found = participantOrSite(sim, c, 'fetch_engagement');
    if (found instanceof Response) return found;
    return c.json(engagementView(sim.store, found.engagement, viewOf(sim, c)));
  });

  app.get('/engagements/:engagementId/chat_transcript', (c) => {
    const found = participantOrSite(sim, c, 'fetch_engagement');
    if (found instanceof Response) return found;
    return c.json(transcriptView(found.engagement, viewOf(sim, c)));
  });

  app.put('/engagements/:engagementId/chat_messages/:messageId', async (c) => {
    const found = participantOrSite(sim, c, 'update_engagement');
    if (found instanceof Response) return found;
    const {engagement, who} = found;
    const messageId = c.req.param('messageId');
    if (!GliaId.safeParse(messageId).success)
      return validationError(c, [{attribute: 'message_id', detail: 'must be a UUID v4'}]);
    const body = await readBody(c, SendChatMessageRequest, sim.config.maxBodyBytes);
    if (!body.ok) return body.response;
    // Same id, same message: a retry never duplicates (docs/glia.md, "Chat messages").
    const existing = sim.store.messages.get(messageId);
    if (existing) {
      if (existing.engagementId !== engagement.id)
        return conflict(c, 'A message with this id exists in another engagement');
      return c.json(messageView(existing, sim.config.shapes, 'answer'), 200);
    }
    if (engagement.state === 'ended') return ended(c);
    const attachment = body.data.attachment
      ? resolveAttachment(sim, engagement, who, c, body.data.attachment)
      : undefined;
    if (attachment instanceof Response) return attachment;
    if (who.kind === 'visitor') {
      const {content} = body.data;
      const message = sim.actions.visitorMessage(engagement, messageId, content, attachment);
      return c.json(messageView(message, sim.config.shapes, 'answer'), 200);
    }
    const sent = sim.actions.operatorMessage(
      engagement.id,
      body.data.content,
      messageId,
      attachment
    );
    if (!sent.ok) return ended(c);
    return c.json(messageView(sent.value, sim.config.shapes, 'answer'), 200);
  });

  app.put('/engagements/:engagementId/typing_indicator', async (c) => {
    const found = participant(sim, c, 'update_engagement');
    if (found instanceof Response) return found;
    const body = await readBody(c, TypingIndicatorRequest, sim.config.maxBodyBytes);
    if (!body.ok) return body.response;
    if (found.engagement.state === 'ended') return ended(c);
    sim.actions.visitorTyping(found.engagement, body.data.typing);
    return c.body(null, 204);
  });

  app.patch('/engagements/:engagementId', async (c) => {
    const found = participant(sim, c, 'update_engagement');
    if (found instanceof Response) return found;
    const body = await readBody(c, EndEngagementRequest, sim.config.maxBodyBytes);
    if (!body.ok) return body.response;
    if (found.engagement.state === 'ended') return ended(c);
    // Glia's one documented reason, `error`: the integration (not the person) ended it.
    const done = sim.actions.end(
      found.engagement.id,
      body.data.reason === 'error' ? 'system' : 'visitor'
    );
    if (!done.ok) return ended(c);
    const leg = done.value.legs.at(-1);
    return c.json({id: done.value.id, sub_engagement_id: leg?.id ?? done.value.id}, 200);
  });

  app.get('/operators/:operatorId', (c) => {
    const who = authorize(sim, c, {allow: ['service', 'site']});
    if (who instanceof Response) return who;
    const operator = sim.store.operators.get(c.req.param('operatorId'));
    if (!operator) return notFound(c, 'Operator');
    return c.json(operatorView(operator, viewOf(sim, c)));
  });

  return app;
}

type Found = {engagement: Engagement; who: Principal};

/** The visitor of the engagement, or a service/site token of its site, holding `policy`. */
export function participantOrSite(
  sim: SimContext,
  c: Context,
  policy: 'fetch_engagement' | 'update_engagement'
): Found | Response {
  const who = authorize(sim, c, {allow: ['visitor', 'service', 'site'], policy});
  if (who instanceof Response) return who;
  const engagement = sim.store.engagements.get(c.req.param('engagementId') ?? '');
  if (!engagement || engagement.siteId !== who.credential.siteId) return notFound(c, 'Engagement');
  if (who.kind === 'visitor' && engagement.visitorId !== who.visitor.id) return notParticipant(c);
  return {engagement, who};
}

/** The visitor of the engagement only. */
function participant(sim: SimContext, c: Context, policy: 'update_engagement'): Found | Response {
  const found = participantOrSite(sim, c, policy);
  if (found instanceof Response) return found;
  if (found.who.kind !== 'visitor') return notParticipant(c);
  return found;
}

function notParticipant(c: Context): Response {
  return forbidden(
    c,
    "You don't have permissions to access this engagement",
    'Only a current participant of the engagement may do this'
  );
}

export function ended(c: Context): Response {
  return validationError(c, [{attribute: 'engagement', detail: 'has already ended'}]);
}
