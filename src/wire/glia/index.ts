export * from './common.js';
export * from './tokens.js';
export * from './visitor.js';
export * from './queue.js';
export * from './engagement.js';
export * from './webhook.js';
export * from './errors.js';
export * from './config.js';
