export * from './api-error.js';
export * from './batch.js';
export * from './delivery.js';
export * from './loose.js';
export * from './order.js';
export * from './token.js';
export * from './webhook.js';
