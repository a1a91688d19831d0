export * from './app-events.js';
export * from './app-session.js';
export * from './app-signature.js';
export * from './payment-notification.js';
