/**
 * @srhooks/cli as a library: the same command modules the `srhooks` bin runs, for scripts and the
 * end-to-end demo. Each command is `{run(options, context), render?(result, style)}`; build a
 * context with `createCommandContext()`.
 */
export {
  CliError,
  type CliErrorOptions,
  EXIT_CODES,
  type ExitCode,
  remoteError,
  usageError,
} from './cli-error.js';
export type { Command, CommandContext } from './command.js';
export { createCommandContext } from './command-context.js';
export {
  type ListDeadLettersOptions,
  type ListDeadLettersResult,
  listDeadLettersCommand,
} from './commands/dead-letters/list.js';
export {
  type RetryDeadLettersOptions,
  type RetryDeadLettersResult,
  retryDeadLettersCommand,
} from './commands/dead-letters/retry.js';
export {
  type ListDeliveriesOptions,
  type ListDeliveriesResult,
  listDeliveriesCommand,
} from './commands/deliveries/list.js';
export {
  type ReprocessDeliveryOptions,
  type ReprocessDeliveryResult,
  reprocessDeliveryCommand,
} from './commands/deliveries/reprocess.js';
export {
  type ShowDeliveryOptions,
  type ShowDeliveryResult,
  showDeliveryCommand,
} from './commands/deliveries/show.js';
export { type DemoOptions, demoCommand } from './commands/demo/demo.js';
export type { DemoResult } from './commands/demo/demo-result.js';
export { type ListEventsOptions, type ListEventsResult, listEventsCommand } from './commands/events/list.js';
export {
  type ReleaseEventOptions,
  type ReleaseEventResult,
  releaseEventCommand,
} from './commands/events/release.js';
export {
  type ReplayEventOptions,
  type ReplayEventResult,
  replayEventCommand,
} from './commands/events/replay.js';
export { type ShowEventOptions, type ShowEventResult, showEventCommand } from './commands/events/show.js';
export { type FieldRow, type FieldsOptions, type FieldsResult, fieldsCommand } from './commands/fields.js';
export {
  type DisableHandlerOptions,
  type DisableHandlerResult,
  disableHandlerCommand,
} from './commands/handlers/disable.js';
export {
  type EnableHandlerOptions,
  type EnableHandlerResult,
  enableHandlerCommand,
} from './commands/handlers/enable.js';
export {
  type ListHandlersOptions,
  type ListHandlersResult,
  listHandlersCommand,
} from './commands/handlers/list.js';
export { type ListenOptions, type ListenResult, listenCommand } from './commands/listen.js';
export { type LoginOptions, type LoginResult, loginCommand, REQUIRED_SCOPES } from './commands/login.js';
export { type LogoutOptions, type LogoutResult, logoutCommand } from './commands/logout.js';
export { type PruneOptions, type PruneResult, pruneCommand } from './commands/prune.js';
export { type RecoverOptions, type RecoverResult, recoverCommand } from './commands/recover.js';
export {
  type SandboxInfo,
  type SandboxOptions,
  type SandboxResult,
  sandboxCommand,
} from './commands/sandbox.js';
export {
  type SandboxAction,
  type SandboxSimulateOptions,
  type SandboxSimulateResult,
  sandboxSimulateCommand,
} from './commands/sandbox-simulate.js';
export { type ShopSummary, type ShopsResult, shopsCommand } from './commands/shops.js';
export { type TriggerOptions, type TriggerResult, triggerCommand } from './commands/trigger.js';
export { type UrlOptions, type UrlResult, urlCommand } from './commands/url.js';
export { createWebhookCommand } from './commands/webhooks/create.js';
export {
  type DeleteWebhooksOptions,
  type DeleteWebhooksResult,
  deleteWebhooksCommand,
} from './commands/webhooks/delete.js';
export { type GetWebhookOptions, getWebhookCommand, type WebhookResult } from './commands/webhooks/get.js';
export {
  type ListWebhooksOptions,
  type ListWebhooksResult,
  listWebhooksCommand,
} from './commands/webhooks/list.js';
export { type SetStatusOptions, setWebhookStatusCommand } from './commands/webhooks/set-status.js';
export {
  type ShopSyncResult,
  type SyncLine,
  type SyncOptions,
  type SyncResult,
  syncWebhooksCommand,
} from './commands/webhooks/sync.js';
export { type UpdateWebhookOptions, updateWebhookCommand } from './commands/webhooks/update.js';
export type { WebhookFlags } from './commands/webhooks/webhook-flags.js';
export { resolveConfigDir } from './config/config-dir.js';
export {
  CredentialStore,
  type CredentialsFile,
  type StoredAuth,
  type StoredShop,
} from './config/credential-store.js';
export { resolveShopTarget, type ShopTarget } from './config/resolve-shop.js';
export {
  desiredState,
  readSyncConfig,
  type ShopDesiredState,
  type SyncConfig,
  SyncConfigSchema,
} from './config/sync-config.js';
export { maskDeliveryUrl } from './delivery/mask-delivery-url.js';
export { type PostDeliveryInput, type PostDeliveryResult, postDelivery } from './delivery/post-delivery.js';
export { toCliError } from './error-report.js';
export { type DeliveryFeed, type WatchDeliveriesOptions, watchDeliveries } from './live/delivery-feed.js';
export type { DeliveryLine, OutcomeLine } from './live/feed-lines.js';
export { type EmbeddedReceiver, startEmbeddedReceiver } from './live/start-receiver.js';
export { Output, type OutputOptions, renderTable, type Style, type TableColumn } from './output/index.js';
