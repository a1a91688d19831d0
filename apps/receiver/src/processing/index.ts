/** Public API of the processing side: handler authoring (`defineHandlers`), the job worker, handlers, retries. */
export { type Clock, systemClock } from './clock.js';
export { type CreateJobWorkerOptions, createJobWorker } from './create-job-worker.js';
export {
  type DefinedHandlers,
  defineHandlers,
  type EventHandler,
  type EventHandlers,
  type HandlerContext,
  type HandlerEvent,
  type NewsletterHandlerEvent,
  NonRetryableError,
  type OrderHandlerEvent,
} from './define-handlers.js';
export { createEventVerifier } from './event-verifier.js';
export { type ForwardedEvent, type ForwardedEventData, forwardedEvent } from './forwarded-event.js';
export type { HandlerOutcome } from './handler-outcome.js';
export type { HandlerRunner } from './handler-runner.js';
export {
  createHandlerRunners,
  DEFAULT_HANDLER_CONCURRENCY,
  type HandlerRunnersOptions,
} from './handler-runners.js';
export { type AmqpHandlerOptions, createAmqpHandler } from './handlers/brokers/amqp.js';
export type { BrokerHandler } from './handlers/brokers/broker-handler.js';
export { type BrokerMessage, brokerMessage, brokerMessageId } from './handlers/brokers/broker-message.js';
export { createNatsHandler, type NatsHandlerOptions } from './handlers/brokers/nats.js';
export { createRedisStreamHandler, type RedisStreamHandlerOptions } from './handlers/brokers/redis-stream.js';
export {
  createForwardHandler,
  DEFAULT_FORWARD_TIMEOUT_MS,
  type ForwardHandler,
  type ForwardHandlerOptions,
} from './handlers/forward.js';
export { createLogHandler, type LogHandler, type LogHandlerOptions } from './handlers/log.js';
export { createModuleHandler, type ModuleHandler, type ModuleHandlerOptions } from './handlers/module.js';
export { type AddressPolicy, nonPublicRange, publicAddressesOnly } from './handlers/target-guard.js';
export {
  ModuleHandlerError,
  ProcessingConfigError,
  ProcessingError,
  ShopCredentialsMissingError,
  UnsafeTargetError,
} from './processing-errors.js';
export { type ProcessingPluginOptions, processingPlugin } from './processing-plugin.js';
export { parseRetryAfter } from './retry-after.js';
export {
  DEFAULT_RETRY_SCHEDULE,
  describeRetrySchedule,
  nextRetry,
  type RetryDecision,
  type RetrySchedule,
  type RetryScheduleInput,
  retryScheduleFrom,
  SVIX_RETRY_DELAYS_MS,
} from './retry-schedule.js';
export { type ShopClientFactory, ShopClients } from './shop-clients.js';
export { compareOrder, VERIFIED_EVENTS, type VerificationResult, verifyOrder } from './verify.js';
export {
  DEFAULT_LEASE_MS,
  DEFAULT_POLL_INTERVAL_MS,
  type EventVerifier,
  JobWorker,
  type JobWorkerFaults,
  type JobWorkerOptions,
  type SettledAttempt,
} from './worker.js';
