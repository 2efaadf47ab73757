/**
 * @module Server-Sent Events framing (WHATWG HTML §9.2), written by the proxy and read by the
 * widget: one place for the format both sides must agree on.
 */

/** One event as SSE text. `data` must be one line (JSON.stringify never writes a line break). */
export function sseFrame(id: number | string, event: string, data: string): string {
  return `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

/** A comment line that keeps intermediaries from closing an idle stream. */
export const SSE_HEARTBEAT = ': ping\n\n';

/** One dispatched frame (§9.2.6 "Interpreting an event stream"). */
export interface Frame {
  /** The frame's `id` field, or null when it had none. */
  id: string | null;
  event: string;
  data: string;
}

/**
 * A push parser for `text/event-stream`: feed it decoded text in any chunking, it calls `onFrame`
 * for each complete frame. Comments (heartbeats) and `retry` are ignored.
 */
export function createFrameParser(onFrame: (frame: Frame) => void): (chunk: string) => void {
  let pending = '';
  let data: string[] = [];
  let event = '';
  let id: string | null = null;
  return (chunk) => {
    pending += chunk;
    // A line ends at CRLF, LF or CR; a CR at the very end may be the first half of a CRLF.
    const lines = pending.split(/\r\n|\n|\r(?!$)/);
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (data.length) onFrame({id, event: event || 'message', data: data.join('\n')});
        data = [];
        event = '';
        id = null;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
  };
}
