export * from './limits.js';
export * from './files.js';
export * from './messages.js';
export * from './session.js';
export * from './chat-event.js';
export * from './errors.js';
export * from './text.js';
