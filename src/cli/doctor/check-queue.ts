/**
 * @module The queue step: the queue exists on the configured site, takes text chat, and is open.
 * A closed queue is the quiet failure: Glia takes the ticket and fails it at once, and the visitor
 * is told no agent is available.
 */
import type {GliaClient, GliaQueue} from '../../proxy/glia/glia-client.js';
import type {GliaSettings} from './check-config.js';
import {diagnose} from './diagnose.js';
import type {DiagnoseContext} from './diagnose.js';
import {outcome} from './doctor-report.js';
import type {DoctorStep} from './doctor-report.js';

export interface QueueCheck {
  step: DoctorStep;
  queue?: GliaQueue;
  /** Glia refused to show the queue (403): a ticket can still tell whether it works. */
  couldNotLook: boolean;
}

/** What Glia said about the queue, in one line: status, media, average wait. */
export function describeQueue(queue: GliaQueue): string {
  const media =
    queue.media === undefined ? 'media not said' : `media ${queue.media.join(', ') || 'none'}`;
  const wait =
    queue.averageWaitSeconds === undefined
      ? 'no average wait'
      : `average wait ${queue.averageWaitSeconds} s`;
  return `status ${queue.status}, ${media}, ${wait}`;
}

/** Fetches the queue and judges it. */
export async function checkQueue(
  client: GliaClient,
  glia: GliaSettings,
  context: (endpoint: string) => DiagnoseContext
): Promise<QueueCheck> {
  const endpoint = `GET /queues/{GLIA_QUEUE_ID}`;
  let queue: GliaQueue;
  try {
    queue = await client.getQueue(glia.queueId);
  } catch (error) {
    const diagnosis = diagnose(error, context(endpoint));
    return {step: outcome.failed('queue', diagnosis), couldNotLook: diagnosis.status === 403};
  }
  const name = queue.name === undefined ? 'The queue' : `Queue "${queue.name}"`;
  const {status, media} = queue;
  const said = describeQueue(queue);
  const failed = (cause: string, fix: string) => ({
    step: outcome.failed('queue', {cause, fix, detail: `${endpoint}: ${said}`}),
    queue,
    couldNotLook: false,
  });
  if (queue.siteId !== undefined && queue.siteId !== glia.siteId) {
    return failed(
      `${name} belongs to site ${queue.siteId}, not to GLIA_SITE_ID (${glia.siteId}).`,
      `If ${queue.siteId} is your site, set GLIA_SITE_ID=${queue.siteId}; otherwise set GLIA_QUEUE_ID to a queue of site ${glia.siteId}.`
    );
  }
  if (status === 'closed') {
    return failed(
      `${name} is closed: Glia fails every ticket at once, and visitors are told that no agent is available.`,
      'Open the queue in Glia Hub (or check its opening hours), or set GLIA_QUEUE_ID to a queue that is open.'
    );
  }
  if (media !== undefined && !media.includes('text')) {
    return failed(
      `${name} does not take text chat (it takes: ${media.join(', ') || 'nothing'}).`,
      "Add chat (text) to the queue's media in Glia Hub, or set GLIA_QUEUE_ID to a queue that takes it."
    );
  }
  const state =
    status === 'opened'
      ? 'is open'
      : status === 'unknown'
        ? 'exists (Glia did not say whether it is open)'
        : `is ${status}`;
  const takes = media === undefined ? '' : ' and takes text chat';
  const busy =
    status === 'opened' || status === 'unknown'
      ? ''
      : ` Right now it is ${status}: visitors would wait, or be told no agent is available, until an agent is free.`;
  return {
    step: outcome.passed('queue', `${name} ${state}${takes} (${said}).${busy}`),
    queue,
    couldNotLook: false,
  };
}
