/**
 * @srhooks/sandbox — an emulated ShopRenter shop: OAuth token endpoint, webHooks/orders/batch API
 * with the documented quirks, rate limit, order simulator and real-format deliveries.
 */

export { fileProblem } from '@srhooks/contracts';
export type {
  AppCallReport,
  InstallReport,
  PaymentFault,
  PaymentNotificationInput,
  PaymentNotificationReport,
  UninstallReport,
} from './apps/app-flow.js';
export type { AppInstall, AppRegistration } from './apps/app-registry.js';
export { processSigningKeyPem } from './auth/jwt.js';
export { buildSandbox } from './build-sandbox.js';
export { SandboxApiError, SandboxConfigError, SandboxNotFoundError } from './errors.js';
export type { Faults } from './faults/faults.js';
export {
  ALL_SCOPES,
  type ApiClientSeed,
  DEMO_CLIENT,
  DEMO_SHOP,
  loadSeedFile,
  type SandboxOptions,
  type ShopSeed,
} from './options.js';
export { freePort } from './ports/free-port.js';
export {
  ORDER_LIST_SORTS,
  type OrderListSettings,
  type OrderListSort,
} from './resources/orders/order-list-settings.js';
export type { DeliveryAttempt, DeliveryState } from './simulator/delivery-attempt.js';
export type {
  OrderEventResult,
  OrderInput,
  OrderSimulator,
  SubscriberEventResult,
  SubscriberInput,
  SubscriberSelector,
} from './simulator/shop-simulator.js';
export { type RunningSandbox, startSandbox } from './start-sandbox.js';
export type { RequestCount, SandboxState, ShopRuntime } from './state/sandbox-state.js';
