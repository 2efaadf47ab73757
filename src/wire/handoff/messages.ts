/** @module Chat messages between the browser and the proxy. */
import {z} from 'zod/mini';
import {ChoiceAnswer, Choice, MessageFile} from './files.js';
import {LIMITS} from './limits.js';
import {cleanedText} from './text.js';

export const MessageSender = z.enum(['operator', 'visitor', 'system']);
export type MessageSender = z.infer<typeof MessageSender>;

export const ChatMessage = z.strictObject({
  /** The visitor's messages keep the uuid the browser chose; the others carry Glia's id. */
  id: z.string(),
  from: MessageSender,
  text: z.string(),
  /** ISO time. */
  at: z.string(),
  /** Files attached (docs/contract.md, "Files and choices"); the text may be empty then. */
  files: z.optional(z.array(MessageFile)),
  /** An agent's single-choice question. */
  choice: z.optional(Choice),
  /** A visitor's answer to a question: the text is the chosen option's text. */
  answer: z.optional(ChoiceAnswer),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * The visitor's message: text, ready uploads (by upload id), or the answer to a question. The text
 * may be empty only when files are attached.
 */
export const SendMessageRequest = z
  .strictObject({
    text: z.string().check(cleanedText(), z.maxLength(LIMITS.messageLength)),
    files: z.optional(
      z.array(z.string()).check(z.minLength(1), z.maxLength(LIMITS.filesPerMessage))
    ),
    answer: z.optional(ChoiceAnswer),
  })
  .check(
    z.refine((m) => m.text.length > 0 || m.files !== undefined, {
      message: 'a message needs text or files',
      path: ['text'],
    })
  );
export type SendMessageRequest = z.infer<typeof SendMessageRequest>;

export const SendMessageResponse = z.strictObject({message: ChatMessage});
export type SendMessageResponse = z.infer<typeof SendMessageResponse>;

export const TypingRequest = z.strictObject({typing: z.boolean()});
export type TypingRequest = z.infer<typeof TypingRequest>;
