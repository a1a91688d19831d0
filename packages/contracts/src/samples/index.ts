export { sampleOrder } from './sample-order.js';
export { samplePayload } from './sample-payload.js';
export { sampleSubscriber } from './sample-subscriber.js';
