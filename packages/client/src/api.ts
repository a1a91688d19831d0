/**
 * `@srhooks/client/api`: the API client alone — `createShopRenterClient`, its errors, webhook specs
 * and sync — without the receiver-side helpers of the package root (delivery verification, app
 * requests), which load the whole contracts package (every schema, the delivery codec and its XML
 * parser). For start-up paths such as the CLI's webhook commands; the same modules as the root's
 * exports, re-exported, so a value from either is the same value.
 */
export type { BasicAuth, ClientCredentialsAuth, ShopRenterAuth } from './auth/auth-options.js';
export type { AccessToken, CachedAccessToken, TokenCache } from './auth/token-manager.js';
export {
  createShopRenterClient,
  type ShopRenterClient,
  type ShopRenterClientOptions,
  type SyncOptions,
  type TokenRequestOptions,
} from './client.js';
export {
  type ApiErrorCode,
  AuthError,
  INPUT_ERROR_CODES,
  InputError,
  type InputErrorCode,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ServerError,
  ShopRenterApiError,
  ShopRenterError,
  TokenError,
  type TokenErrorCode,
  ValidationError,
} from './errors.js';
export {
  checkDeliveryUrl,
  type ResolvedWebhookSpec,
  resolveWebhookSpec,
  type WebhookSpec,
} from './resources/webhook-input.js';
export type { SyncReport, SyncStepResult } from './sync/apply-sync.js';
export type { SyncPlan } from './sync/plan-sync.js';
export { specFromEntry, type WebhookSpecEntry, WebhookSpecEntrySchema } from './sync/webhook-spec-entry.js';
