/**
 * @module A visitor's upload on its way to Glia without ever being held whole: the browser's raw
 * body is read a chunk at a time, its first bytes looked at before anything is sent, and what
 * goes to Glia is a stream of its own, the multipart preamble, the body's chunks as they arrive,
 * then the closing boundary, pulled only as fast as Glia takes it. A body that grows past the
 * limit is cut: the stream to Glia fails, so Glia stores nothing.
 */
import {randomBytes} from 'node:crypto';

/** The first chunks of a body, read until at least `bytes` or the end, and the reader to go on with. */
export interface PeekedBody {
  head: Uint8Array;
  chunks: Uint8Array[];
  /** Bytes read so far. */
  read: number;
  /** The body ended within the peek. */
  done: boolean;
  reader: ReadableStreamDefaultReader<Uint8Array>;
}

/** Reads `body` until `bytes` bytes (or its end, or more than `maxBytes`) are in hand. */
export async function peekBody(
  body: ReadableStream<Uint8Array>,
  bytes: number,
  maxBytes: number
): Promise<PeekedBody> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let read = 0;
  let done = false;
  while (read < bytes && read <= maxBytes) {
    const next = await reader.read();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    read += next.value.byteLength;
  }
  const head = new Uint8Array(Math.min(read, bytes));
  let at = 0;
  for (const chunk of chunks) {
    if (at >= head.length) break;
    const part = chunk.subarray(0, head.length - at);
    head.set(part, at);
    at += part.byteLength;
  }
  return {head, chunks, read, done, reader};
}

/** The multipart form field a file travels in: quotes and line breaks in its name escaped as browsers do. */
function preamble(boundary: string, field: string, name: string, contentType: string): string {
  const escaped = name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return (
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${field}"; filename="${escaped}"\r\n` +
    `Content-Type: ${contentType}\r\n\r\n`
  );
}

/** What `multipartFile` hands the Glia client, and what it tells afterwards. */
export interface MultipartUpload {
  /** `multipart/form-data; boundary=…` */
  contentType: string;
  body: ReadableStream<Uint8Array>;
  /** The body's length when the file's is known. */
  length?: number;
  /** The file's bytes that went through so far. */
  sent(): number;
  /** The body grew past `maxBytes` and was cut. */
  tooLarge(): boolean;
}

/**
 * The multipart body `POST /engagements/{id}/files` takes, the file in field `field`: the peeked
 * chunks, then the rest of the reader, at most `maxBytes`. `size` is the file's declared length.
 */
export function multipartFile(
  peeked: PeekedBody,
  file: {field: string; name: string; contentType: string; size?: number; maxBytes: number}
): MultipartUpload {
  const boundary = `----glia-handoff-${randomBytes(12).toString('hex')}`;
  const encoder = new TextEncoder();
  const head = encoder.encode(preamble(boundary, file.field, file.name, file.contentType));
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const queued = [...peeked.chunks];
  let sent = 0;
  let cut = false;
  let started = false;
  let finished = peeked.done;
  const {reader} = peeked;

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(head);
          return;
        }
        let chunk = queued.shift();
        if (!chunk && !finished) {
          const next = await reader.read();
          if (next.done) finished = true;
          else chunk = next.value;
        }
        if (!chunk) {
          controller.enqueue(tail);
          controller.close();
          return;
        }
        sent += chunk.byteLength;
        if (sent > file.maxBytes || (file.size !== undefined && sent > file.size)) {
          cut = true;
          controller.error(new Error('the upload is larger than allowed'));
          await reader.cancel().catch(() => undefined);
          return;
        }
        controller.enqueue(chunk);
      },
      async cancel() {
        await reader.cancel().catch(() => undefined);
      },
    },
    // Nothing is read ahead of what Glia takes.
    {highWaterMark: 0}
  );
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body,
    ...(file.size === undefined ? {} : {length: head.byteLength + file.size + tail.byteLength}),
    sent: () => sent,
    tooLarge: () => cut,
  };
}
