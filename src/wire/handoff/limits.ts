/** @module Size limits both sides enforce, so the widget can say no before the proxy does. */
export const LIMITS = {
  descriptionLength: 2000,
  messageLength: 4000,
  nameLength: 200,
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
