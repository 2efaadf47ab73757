/**
 * @module The queue step: the queue exists on the configured site, takes text chat, and is open.
 * A closed queue is the quiet failure: Glia takes the ticket and fails it at once, and the visitor
 * is told no agent is available.
 */
import type {GliaClient} from '../../proxy/glia/glia-client.js';
import type {Queue} from '../../wire/glia/index.js';
import type {GliaSettings} from './check-config.js';
import {diagnose} from './diagnose.js';
import type {DiagnoseContext} from './diagnose.js';
import {outcome} from './doctor-report.js';
import type {DoctorStep} from './doctor-report.js';

export interface QueueCheck {
  step: DoctorStep;
  queue?: Queue;
  /** Glia refused to show the queue (403): a ticket can still tell whether it works. */
  couldNotLook: boolean;
}

/** Fetches the queue and judges it. */
export async function checkQueue(
  client: GliaClient,
  glia: GliaSettings,
  context: (endpoint: string) => DiagnoseContext
): Promise<QueueCheck> {
  const endpoint = `GET /queues/{GLIA_QUEUE_ID}`;
  let queue: Queue;
  try {
    queue = await client.getQueue(glia.queueId);
  } catch (error) {
    const diagnosis = diagnose(error, context(endpoint));
    return {step: outcome.failed('queue', diagnosis), couldNotLook: diagnosis.status === 403};
  }
  const name = `"${queue.name}"`;
  const {status, medias} = queue.state;
  const failed = (cause: string, fix: string) => ({
    step: outcome.failed('queue', {cause, fix, detail: `${endpoint}: ${name}, ${status}`}),
    queue,
    couldNotLook: false,
  });
  if (queue.site_id !== glia.siteId) {
    return failed(
      `Queue ${name} belongs to site ${queue.site_id}, not to GLIA_SITE_ID (${glia.siteId}).`,
      `If ${queue.site_id} is your site, set GLIA_SITE_ID=${queue.site_id}; otherwise set GLIA_QUEUE_ID to a queue of site ${glia.siteId}.`
    );
  }
  if (status === 'closed') {
    return failed(
      `Queue ${name} is closed: Glia fails every ticket at once, and visitors are told that no agent is available.`,
      'Open the queue in Glia Hub (or check its opening hours), or set GLIA_QUEUE_ID to a queue that is open.'
    );
  }
  if (!medias.includes('text')) {
    return failed(
      `Queue ${name} does not take text chat (it takes: ${medias.join(', ') || 'nothing'}).`,
      "Add chat (text) to the queue's media in Glia Hub, or set GLIA_QUEUE_ID to a queue that takes it."
    );
  }
  const busy =
    status === 'opened'
      ? ''
      : ` Right now it is ${status}: visitors would wait, or be told no agent is available, until an agent is free.`;
  return {
    step: outcome.passed(
      'queue',
      `${name} is ${status === 'opened' ? 'open' : status} and takes text chat.${busy}`
    ),
    queue,
    couldNotLook: false,
  };
}
