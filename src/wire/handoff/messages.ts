/** @module Chat messages between the browser and the proxy. */
import {z} from 'zod/mini';
import {LIMITS} from './limits.js';

export const MessageSender = z.enum(['operator', 'visitor', 'system']);
export type MessageSender = z.infer<typeof MessageSender>;

export const ChatMessage = z.strictObject({
  /** The visitor's messages keep the uuid the browser chose; the others carry Glia's id. */
  id: z.string(),
  from: MessageSender,
  text: z.string(),
  /** ISO time. */
  at: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const SendMessageRequest = z.strictObject({
  text: z.string().check(z.minLength(1), z.maxLength(LIMITS.messageLength)),
});
export type SendMessageRequest = z.infer<typeof SendMessageRequest>;

export const SendMessageResponse = z.strictObject({message: ChatMessage});
export type SendMessageResponse = z.infer<typeof SendMessageResponse>;

export const TypingRequest = z.strictObject({typing: z.boolean()});
export type TypingRequest = z.infer<typeof TypingRequest>;
