/** @srhooks/receiver: build and embed the receiver (the process entry point is main.ts). */
export type { AdminDeliveryDetail, RawBodyJson } from './admin/admin-json.js';
export type { HandlerOverview, ReprocessRequest } from './admin/admin-operations.js';
export type { DeadLetterReplayAnswer, DisabledHandlerNote } from './admin/dead-letter-replay-answer.js';
export type { BackfillResult } from './admin/events-backfill.js';
export type { MarkUninstalledAnswer } from './admin/shop-uninstall-operation.js';
export { type BuildReceiverOptions, buildReceiver } from './app.js';
export { type AppConfig, AppConfigSchema } from './app-mode/app-config.js';
export { ShopDirectory } from './app-mode/shop-directory.js';
export {
  checkShopSession,
  createShopSession,
  type ShopSession,
  type ShopSessionCheck,
  verifyShopSession,
} from './app-mode/shop-session.js';
export type { ShopJson } from './app-mode/shops-json.js';
export * from './config/index.js';
export { type LimitAdvice, RECEIVER_LIMIT_ADVICE } from './config/limit-advice.js';
export { HandlerRegistry } from './handlers/handler-registry.js';
export { type CreateLoggerOptions, createLogger } from './logging/create-logger.js';
export { createLineRedactor, maskHookToken } from './logging/redact-log-line.js';
export { type DeliveryOutcome, type ForgedReason, ReceiverMetrics } from './metrics/receiver-metrics.js';
export type { ErasureReport } from './personal-data/erase-personal-data.js';
export type { EraseRequest } from './personal-data/erase-request.js';
export { maskEmail, maskName } from './personal-data/personal-data-mask.js';
export { storeSelection } from './plugins/store-plugin.js';
export * from './processing/index.js';
export type { RecoveredEventLine, RecoveryReport } from './recovery/recovery-pass.js';
export { coreRoutes, type ReceiverRoutePlugin } from './routes/index.js';
export type {
  AppShopRecord,
  AppShopStatus,
  AppShopStore,
  AppShopSubscription,
} from './store/app-shops/app-shop-store.js';
