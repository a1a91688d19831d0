export { sampleOrder } from './sample-order.js';
export { samplePayload } from './sample-payload.js';
export { sampleSubscriber } from './sample-subscriber.js';
export { type SeededRandom, seededRandom } from './seeded-random.js';
