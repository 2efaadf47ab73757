/**
 * @module `--ticket`: files a real queue ticket for doctor's test visitor, with the webhook the
 * proxy registers, and cancels it at once, so no agent is left with a visitor who is not there.
 */
import {randomBytes, randomUUID} from 'node:crypto';
import {webhookRegistration} from '../../proxy/handoff.js';
import type {GliaClient, GliaVisitor} from '../../proxy/glia/glia-client.js';
import type {QueueTicket, WebhookRegistration} from '../../wire/glia/index.js';
import type {GliaSettings} from './check-config.js';
import {diagnose} from './diagnose.js';
import type {DiagnoseContext} from './diagnose.js';
import {outcome} from './doctor-report.js';
import type {DoctorStep} from './doctor-report.js';

export interface TicketCheck {
  step: DoctorStep;
  ticket?: QueueTicket;
}

/**
 * The registration the proxy sends with every ticket (same URL shape, header and events; the
 * simulator-only typing event left out), for a session id that no proxy knows: a delivery to it
 * changes nothing.
 */
export function doctorWebhook(publicUrl: string): WebhookRegistration {
  return webhookRegistration(
    {publicUrl, operatorTypingEvent: false},
    `doctor-${randomUUID()}`,
    randomBytes(32).toString('base64url')
  );
}

/** Files the test ticket. */
export async function fileTicket(
  client: GliaClient,
  visitor: GliaVisitor,
  glia: GliaSettings,
  publicUrl: string,
  context: (endpoint: string) => DiagnoseContext
): Promise<TicketCheck> {
  let ticket: QueueTicket;
  try {
    ({ticket} = await client.createQueueTicket(visitor, {
      queueId: glia.queueId,
      webhooks: [doctorWebhook(publicUrl)],
    }));
  } catch (error) {
    return {step: outcome.failed('queue-ticket', diagnose(error, context('POST /queue_tickets')))};
  }
  if (ticket.state === 'failed') {
    return {
      step: outcome.failed('queue-ticket', {
        cause:
          'Glia took the ticket and failed it at once: no agent can take a chat in this queue now (closed, full or unstaffed).',
        fix: 'Check the queue and its opening hours in Glia Hub, or set GLIA_QUEUE_ID to a queue that is open, then run doctor --ticket again.',
        detail: `POST /queue_tickets: ticket ${ticket.id} is ${ticket.state}`,
      }),
      ticket,
    };
  }
  return {
    step: outcome.passed(
      'queue-ticket',
      `Ticket ${ticket.id ?? '(Glia gave no id)'} is ${ticket.state ?? 'filed'}, with the webhook the proxy registers.`
    ),
    ticket,
  };
}

/** Cancels the test ticket. A Glia with no cancel route, or an agent faster than doctor, is told, not failed: the proxy copes with both. */
export async function cancelTicket(
  client: GliaClient,
  visitor: GliaVisitor,
  ticket: QueueTicket,
  context: (endpoint: string) => DiagnoseContext
): Promise<DoctorStep> {
  const endpoint = `DELETE /queue_tickets/{id}`;
  if (ticket.id === undefined) {
    return outcome.passed(
      'cancel-ticket',
      'Nothing to cancel by id: Glia\'s answer to the ticket carried no id. The test visitor "glia-handoff doctor" waits until an agent takes and ends it, or the queue gives up; the proxy copes with this for real visitors by ending such a conversation as soon as it starts.'
    );
  }
  if (ticket.state !== undefined && ticket.state !== 'queued') {
    return outcome.passed(
      'cancel-ticket',
      `Nothing to cancel: the ticket is already ${ticket.state}. If an agent accepted it, they see the visitor "glia-handoff doctor" and can end the conversation.`
    );
  }
  try {
    const done = await client.cancelQueueTicket(visitor, ticket.id);
    if (done === 'cancelled')
      return outcome.passed(
        'cancel-ticket',
        'Cancelled at once: nothing is left waiting in the queue.'
      );
    if (done === 'too-late') {
      return outcome.passed(
        'cancel-ticket',
        'An agent accepted the ticket before doctor could cancel it: they see the visitor "glia-handoff doctor" and can end the conversation.'
      );
    }
    return outcome.passed(
      'cancel-ticket',
      `Glia has no route to cancel a waiting ticket here (${endpoint} was not found): the test visitor "glia-handoff doctor" waits until an agent takes and ends it, or the queue gives up. The proxy copes with this for real visitors by ending such a conversation as soon as it starts.`
    );
  } catch (error) {
    return outcome.failed('cancel-ticket', diagnose(error, context(endpoint)));
  }
}
