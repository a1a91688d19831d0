/**
 * The protected admin area: the JSON admin API under `/admin/api` and the inspector UI under `/ui`,
 * sharing one {@link AdminAuth} (so logging out of the inspector ends that session for the API too).
 * Without an admin token in the configuration neither is registered (their URLs answer 404) and a
 * warning says how to turn them on.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ReceiverRoutePlugin } from '../routes/index.js';

export const ADMIN_API_PREFIX = '/admin/api';
export const INSPECTOR_PREFIX = '/ui';

export interface AdminAreaOptions {
  /** SSE heartbeat interval of the inspector's live stream (default 15 s). */
  heartbeatMs?: number;
}

export const adminArea: FastifyPluginAsync<AdminAreaOptions> = async (app, options) => {
  const token = app.config.adminToken;
  if (!token) {
    app.log.warn(
      'admin API (/admin/api) and inspector (/ui) are disabled: no admin token configured; set SRHOOKS_ADMIN_TOKEN (at least 16 characters) to enable them',
    );
    return;
  }
  // This area's requests (its scope's `app.store`, and in app mode its `app.appShops`, the shop records'
  // pool of their own): once the shutdown has begun, a store call PostgreSQL leaves unanswered for the
  // store's close grace is cut short, answered 503 (Store.forRequests, Store.shutdownBoundViewOf).
  const requestShops = app.appShops && app.store.shutdownBoundViewOf?.(app.appShops, 'request');
  if (requestShops) app.decorate('appShops', requestShops);
  const requestStore = app.store.forRequests?.();
  if (requestStore !== undefined) app.decorate('store', requestStore);
  // Loaded only when enabled: a receiver that only ingests does not carry the UI's code (~6 MB RSS).
  const [
    { AdminAuth },
    { CredentialThrottle },
    { SessionRevocations },
    { adminApiRoutes },
    { inspectorRoutes },
  ] = await Promise.all([
    import('./admin-auth.js'),
    import('./credential-throttle.js'),
    import('./session-revocations.js'),
    import('./admin-api-routes.js'),
    import('../inspector/inspector-routes.js'),
  ]);
  const auth = new AdminAuth(token);
  // One throttle for both: wrong credentials sent to the API count for the login form too, and back.
  const throttle = new CredentialThrottle({ maxFailures: app.config.adminMaxFailures });
  const revocations = new SessionRevocations(app.store, {
    timeoutMs: app.config.storeTimeoutMs,
    onStoreError: (error) =>
      app.log.warn(
        { err: error },
        'cannot check admin session revocations (store unavailable); session accepted',
      ),
  });
  await app.register(adminApiRoutes, { prefix: ADMIN_API_PREFIX, auth, throttle, revocations });
  await app.register(inspectorRoutes, {
    prefix: INSPECTOR_PREFIX,
    auth,
    throttle,
    revocations,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });
};

/** For `buildReceiver`'s route list. */
export const adminAreaRoute: ReceiverRoutePlugin = { name: 'admin', plugin: adminArea };
