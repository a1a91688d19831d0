// The API client alone (`@srhooks/client/api`): its client, errors, webhook specs and sync types.
export * from './api.js';
export * from './app/index.js';
export { type BackoffOptions, backoffDelayMs, parseRetryAfterMs } from './backoff.js';
export { DeliveryError, type DeliveryErrorCode } from './delivery/delivery-error.js';
export { buildDeliveryUrl, type DeliveryUrlInput } from './delivery/delivery-url.js';
export { handleDelivery } from './delivery/handle-delivery.js';
export { handleNodeDelivery } from './delivery/handle-node-delivery.js';
export type {
  DeliveryOptions,
  DeliveryResult,
  RejectedDelivery,
  VerifiedDelivery,
} from './delivery/verify-delivery.js';
export {
  DEFAULT_API_URL,
  DEFAULT_LEGACY_API_URL,
  DEFAULT_TOKEN_URL,
  isLoopbackHost,
} from './endpoint-urls.js';
export { errorFromResponse, type FailedResponse } from './error-from-response.js';
export { type RequestTimer, requestTimer } from './http/request-timer.js';
export { ServerClock, type ServerClockReading } from './http/server-clock.js';
export type { RetryOptions } from './middleware/retry.js';
export type { ClientLogger, Fetch } from './middleware/types.js';
export {
  failureReason,
  NETWORK_CODES,
  type NetworkFailure,
  networkFailure,
  systemCode,
} from './network-failure.js';
export { type RequestSlot, RequestWindow, type RequestWindowOptions } from './rate-limit/request-window.js';
export { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit/shared-request-window.js';
export type { BatchMethod, BatchOptions, BatchRequestInput, BatchResult } from './resources/batch.js';
export type { CallOptions } from './resources/context.js';
export type { NewsletterSubscribersResource } from './resources/newsletter-subscribers.js';
export type { OrderSearchPage, OrdersResource } from './resources/orders.js';
export { webhookRequests } from './resources/webhook-batch-requests.js';
export {
  checkDeliveryUrl,
  defaultLabel,
  type ResolvedWebhookSpec,
  resolveWebhookSpec,
  specToWebhookInput,
  toWebhookInput,
  type WebhookInputLike,
  type WebhookSpec,
} from './resources/webhook-input.js';
export {
  type CreateWebhookOptions,
  type ListOptions,
  MAX_PAGE_LIMIT,
  type WebhookLink,
  type WebhookPage,
  type WebhooksResource,
  webhookCreateBody,
  webhookToInput,
} from './resources/webhooks.js';
export {
  type ApplySyncOptions,
  applySync,
  type SyncClient,
  type SyncReport,
  type SyncStepResult,
} from './sync/apply-sync.js';
export {
  diffWebhook,
  planSync,
  type SyncChange,
  type SyncCreate,
  type SyncDelete,
  type SyncKey,
  type SyncPlan,
  type SyncProperty,
  type SyncStep,
  type SyncUnchanged,
  type SyncUpdate,
  summarisePlan,
  syncKey,
  webhookKey,
} from './sync/plan-sync.js';
