/** @module Size limits both sides enforce, so the widget can say no before the proxy does. */

// The three the widget's fields show as `maxlength` are constants of their own too: the widget
// imports those, and its bundle leaves out the rest of the table (81 B gzip).
export const DESCRIPTION_LENGTH = 2000;
export const MESSAGE_LENGTH = 4000;
export const NAME_LENGTH = 200;

export const LIMITS = {
  descriptionLength: DESCRIPTION_LENGTH,
  messageLength: MESSAGE_LENGTH,
  nameLength: NAME_LENGTH,
  attributeCount: 50,
  attributeValueLength: 2000,
  transcriptEntries: 100,
  /** Files on one message. */
  filesPerMessage: 10,
  /** Bytes of an upload the proxy takes at most, unless FILE_MAX_BYTES says less (Glia's own limit). */
  fileBytes: 25 * 1024 * 1024,
  /** Bytes of a request body the proxy reads at most. */
  bodyBytes: 64 * 1024,
} as const;
