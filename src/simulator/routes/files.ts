/**
 * @module Files (docs/glia.md, "Files and choices", "Chat messages"): the visitor uploads with `POST /engagements/{id}/files`
 * (multipart `content`, at most 25 MB) and gets `{file_id, security_scanning_required}`; the scan
 * reports after the configured delay (webhook `config.fileScanEvent`, [SIM-CHOICE]); only a clean
 * file can be attached to a message. `GET /engagements/{id}/files/{file_id}` serves the bytes to a
 * participant (or `{file_url}` when JSON is asked for). The engagement's file permissions are
 * honoured. Also the control API's file routes, under `/__sim`.
 */
import type {Context} from 'hono';
import {Hono} from 'hono';
import type {OutgoingAttachment} from '../../wire/glia/index.js';
import {GLIA_MAX_FILE_BYTES} from '../../wire/glia/index.js';
import type {OperatorAttachment} from '../control-schemas.js';
import {FileSendingRequest} from '../control-schemas.js';
import {fileState} from '../control-views.js';
import {forbidden, notFound, payloadTooLarge, validationError} from '../glia-errors.js';
import {readJsonBody} from '../read-body.js';
import type {Principal, SimContext, SimEnv} from '../sim-context.js';
import type {Engagement, SimFile, StoredAttachment} from '../store.js';
import {ended, participantOrSite} from './engagements.js';

/** Room for the multipart framing around the largest file. */
const MULTIPART_OVERHEAD = 64 * 1024;

/** The Glia routes. */
export function fileRoutes(sim: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.post('/engagements/:engagementId/files', async (c) => {
    const found = participantOrSite(sim, c, 'update_engagement');
    if (found instanceof Response) return found;
    const {engagement, who} = found;
    if (who.kind !== 'visitor')
      return forbidden(c, 'Only the visitor of the engagement may upload files');
    if (engagement.state === 'ended') return ended(c);
    if (!engagement.fileSending.allowed)
      return forbidden(c, 'File sending is not allowed in this engagement');
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > GLIA_MAX_FILE_BYTES + MULTIPART_OVERHEAD)
      return payloadTooLarge(c, GLIA_MAX_FILE_BYTES);
    let content: unknown;
    try {
      content = (await c.req.parseBody())['content'];
    } catch {
      return validationError(c, [{attribute: 'content', detail: 'must be a multipart file'}]);
    }
    if (!(content instanceof File))
      return validationError(c, [{attribute: 'content', detail: 'must be present'}]);
    if (content.size === 0)
      return validationError(c, [{attribute: 'content', detail: 'must not be empty'}]);
    if (content.size > GLIA_MAX_FILE_BYTES) return payloadTooLarge(c, GLIA_MAX_FILE_BYTES);
    const contentType = (content.type || 'application/octet-stream').split(';')[0]!.trim();
    if (!engagement.fileSending.contentTypes.includes(contentType))
      return validationError(c, [
        {attribute: 'content', detail: `content type ${contentType} is not allowed`},
      ]);
    const file: SimFile = {
      id: sim.deps.randomUUID(),
      engagementId: engagement.id,
      uploadedBy: 'visitor',
      name: content.name || 'file',
      contentType,
      bytes: new Uint8Array(await content.arrayBuffer()),
      scan: 'pending',
      deleted: false,
      at: sim.deps.now(),
    };
    sim.store.files.set(file.id, file);
    sim.store.notify({type: 'engagement.file', engagement_id: engagement.id});
    const {delayMs, result} = sim.config.fileScan;
    sim.scheduler.schedule(() => sim.actions.fileScanned(file, result), delayMs);
    return c.json({file_id: file.id, security_scanning_required: true}, 200);
  });

  app.get('/engagements/:engagementId/files/:fileId', (c) => {
    const found = participantOrSite(sim, c, 'fetch_engagement');
    if (found instanceof Response) return found;
    const file = sim.store.files.get(c.req.param('fileId'));
    if (!file || file.engagementId !== found.engagement.id || file.deleted || file.scan !== 'clean')
      return notFound(c, 'File');
    if (/json/i.test(c.req.header('accept') ?? ''))
      return c.json({file_url: new URL(`/__sim/files/${file.id}`, c.req.url).href});
    return fileBytes(file);
  });

  return app;
}

/**
 * A chat message's attachment, checked against the engagement: files must be this sender's own
 * uploads to this engagement, clean and not deleted; the engagement must allow file sending.
 */
export function resolveAttachment(
  sim: SimContext,
  engagement: Engagement,
  who: Principal,
  c: Context,
  attachment: OutgoingAttachment
): StoredAttachment | Response {
  if (attachment.type !== 'files') return attachment;
  if (who.kind === 'visitor' && !engagement.fileSending.allowed)
    return forbidden(c, 'File sending is not allowed in this engagement');
  const sender = who.kind === 'visitor' ? 'visitor' : 'operator';
  const files: SimFile[] = [];
  for (const [index, {id}] of attachment.files.entries()) {
    const file = sim.store.files.get(id);
    const attribute = `attachment.files.${index}.id`;
    if (!file || file.engagementId !== engagement.id || file.uploadedBy !== sender || file.deleted)
      return validationError(c, [{attribute, detail: 'is not a file of this engagement'}]);
    if (file.scan === 'pending')
      return validationError(c, [{attribute, detail: 'has not passed the security scan yet'}]);
    if (file.scan === 'infected')
      return validationError(c, [{attribute, detail: 'failed the security scan'}]);
    files.push(file);
  }
  return {type: 'files', files};
}

/** The control API's attachment for an operator message: its files stored, scanned clean. */
export function operatorAttachment(
  sim: SimContext,
  engagementId: string,
  attachment: OperatorAttachment
): StoredAttachment | {problem: string} {
  if (attachment.type === 'single_choice') return attachment;
  const files: SimFile[] = [];
  for (const [index, entry] of attachment.files.entries()) {
    const bytes = Buffer.from(entry.data_base64, 'base64');
    if (bytes.byteLength === 0) return {problem: `attachment.files.${index}: the file is empty`};
    if (bytes.byteLength > GLIA_MAX_FILE_BYTES)
      return {problem: `attachment.files.${index}: the file is over 25 MB`};
    files.push({
      id: sim.deps.randomUUID(),
      engagementId,
      uploadedBy: 'operator',
      name: entry.name,
      contentType: entry.content_type,
      bytes: new Uint8Array(bytes),
      scan: 'clean',
      deleted: false,
      at: sim.deps.now(),
    });
  }
  for (const file of files) sim.store.files.set(file.id, file);
  return {type: 'files', files};
}

/** The largest control-API body: a message with files in base64. */
export const OPERATOR_MESSAGE_MAX_BYTES = Math.ceil((GLIA_MAX_FILE_BYTES * 4) / 3) + 64 * 1024;

/**
 * Control routes, under `/__sim`:
 *   GET  /files/:id                        the bytes (as an attachment, never run inline)
 *   POST /files/:id/delete                 → 200 {file}: Glia removed it; it shows as deleted
 *   POST /engagements/:id/file_sending     {allowed, content_types?} → 200 {file_sending}
 */
export function fileControlRoutes(sim: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const problem = (c: Context, status: 404 | 422, message: string) =>
    c.json({error: {code: status === 404 ? 'not_found' : 'invalid_request', message}}, status);

  app.get('/files/:id', (c) => {
    const file = sim.store.files.get(c.req.param('id'));
    if (!file) return problem(c, 404, 'No such file');
    return fileBytes(file);
  });

  app.post('/files/:id/delete', (c) => {
    const file = sim.store.files.get(c.req.param('id'));
    if (!file) return problem(c, 404, 'No such file');
    file.deleted = true;
    sim.store.notify({type: 'engagement.file', engagement_id: file.engagementId});
    return c.json({file: fileState(file)});
  });

  app.post('/engagements/:id/file_sending', async (c) => {
    const engagement = sim.store.engagements.get(c.req.param('id'));
    if (!engagement) return problem(c, 404, 'No such engagement');
    const raw = await readJsonBody(c, sim.config.maxBodyBytes);
    const body = raw.ok ? FileSendingRequest.safeParse(raw.data ?? {}) : undefined;
    if (!body?.success) return problem(c, 422, 'The body must be {allowed, content_types?}');
    engagement.fileSending = {
      allowed: body.data.allowed,
      contentTypes: body.data.content_types ?? engagement.fileSending.contentTypes,
    };
    sim.store.notify({type: 'engagement.file_sending', engagement_id: engagement.id});
    return c.json({
      file_sending: {
        allowed: engagement.fileSending.allowed,
        content_types: engagement.fileSending.contentTypes,
      },
    });
  });

  return app;
}

/** A file's bytes, downloaded, never sniffed or run: active content cannot run from our origin. */
function fileBytes(file: SimFile): Response {
  return new Response(file.bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      'content-type': file.contentType,
      'content-length': String(file.bytes.byteLength),
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
    },
  });
}
