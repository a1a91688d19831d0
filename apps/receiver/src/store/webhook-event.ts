/**
 * The webhook event name type used by the store. Temporary local alias until `@srhooks/contracts` is
 * built; then this becomes `export type { WebhookEvent } from '@srhooks/contracts'`.
 */
export type WebhookEvent = string;
