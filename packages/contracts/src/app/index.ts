export * from './app-events.js';
export * from './app-signature.js';
export * from './payment-notification.js';
