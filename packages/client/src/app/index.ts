export type { QueryInput } from './app-query.js';
export { AppRequestError, type AppRequestErrorCode } from './app-request-error.js';
export {
  AppSessionCheckError,
  type AppSessionCheckResult,
  AppSessionUnavailableError,
  type CheckAppSessionOptions,
  checkAppSession,
} from './check-app-session.js';
export {
  type AppRequestHandlerOptions,
  handleAppRequest,
  handleNodeAppRequest,
  handleNodePaymentNotification,
  handlePaymentNotification,
  type PaymentNotificationHandlerOptions,
} from './handle-app-request.js';
export { createMemoryReplayGuard, type ReplayGuard } from './replay-guard.js';
export {
  type AppRequestResult,
  DEFAULT_TIMESTAMP_TOLERANCE_SECONDS,
  type VerifiedAppRequest,
  type VerifyAppRequestOptions,
  verifyAppRequest,
} from './verify-app-request.js';
export {
  type PaymentNotificationResult,
  paymentNotificationQuery,
  type VerifiedPaymentNotification,
  type VerifyPaymentNotificationOptions,
  verifyPaymentNotification,
} from './verify-payment-notification.js';
