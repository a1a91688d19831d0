/**
 * The session check for the app's own UI (`entryPoint: "<url>"`, `GET {entryPath}/session`): the session's
 * signature proves it (offline, `verifyShopSession`) but cannot be revoked, and it lives an hour, so a shop
 * that uninstalled meanwhile is only seen here — from the store, so the uninstall may have reached another
 * instance. 200 with the shop's status, 403 `shop_uninstalled`, 401 for a bad or expired session
 * (`AppSessionRefusedSchema` in contracts).
 *
 * A store that cannot answer (an outage, a link gone silent past the store timeout, a receiver started
 * without its store, or the shutdown cutting the read short) is 503 `store_unavailable` in the uniform error
 * body, saying the session could not be checked, that it is temporary and what to do — never a 500.
 */
import type { AppSessionRefusal, AppSessionValid } from '@srhooks/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorBody } from '../http/error-body.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import type { AppShopRecord, AppShopStore } from '../store/app-shops/app-shop-store.js';
import { StoreShutdownWaitError, StoreUnavailableError } from '../store/store-errors.js';
import type { AppConfig } from './app-config.js';
import { checkShopSession } from './shop-session.js';

type Query = Record<string, string | string[] | undefined>;

/**
 * The 503's message: the shutdown's own (the receiver is stopping) when it cut the read short; otherwise
 * what failed in words that name nothing of the environment (`publicDetail`, when the error has one).
 */
export function sessionCheckUnavailableMessage(error: StoreUnavailableError): string {
  if (error instanceof StoreShutdownWaitError) return error.message;
  const detail = error.publicDetail ? ` (${error.publicDetail})` : '';
  return `The session could not be checked: the receiver cannot read the shops' install state because its event store is unavailable${detail}. This is temporary: neither honour nor end the session on this answer; ask again in a few seconds (Retry-After). If it lasts, the receiver's operator should look at its log and /readyz, which say why the store is unavailable.`;
}

/** `appShops`: the shop records to read (a request's view, bounded once the shutdown has begun). */
export function registerSessionCheckRoute(
  app: FastifyInstance,
  appConfig: AppConfig,
  appShops: AppShopStore,
): void {
  const sessionPath = `${appConfig.entryPath.replace(/\/+$/, '')}/session`;

  function refuseSession(
    reply: FastifyReply,
    status: 401 | 403,
    code: AppSessionRefusal,
    message: string,
    details: { shop?: string; uninstalledAt?: string } = {},
  ) {
    return reply.code(status).send(errorBody(code, message, details));
  }

  app.get<{ Querystring: Query }>(sessionPath, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const session = checkShopSession(request.query, appConfig.clientSecret);
    if (!session.ok) {
      return session.reason === 'expired'
        ? refuseSession(
            reply,
            401,
            'session_expired',
            'The session has expired: the merchant must open the app again from the shop admin.',
          )
        : refuseSession(
            reply,
            401,
            'invalid_session',
            'The session is missing, malformed or not signed by this app: pass the shop, expires and session parameters of the entry redirect unchanged.',
          );
    }
    const { shop } = session;
    let record: AppShopRecord | null;
    try {
      record = await withStoreTimeout('read app shop', appShops.get(shop), app.config.storeTimeoutMs);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      app.metrics.storeErrors.inc({ operation: 'app_entry' });
      request.log.warn(
        { appRequest: { kind: 'session' }, shop, code: 'store_unavailable', detail: error.detail },
        'app session check answered 503: the store is unavailable; the app is asked to check again shortly',
      );
      return reply
        .code(503)
        .header('retry-after', '5')
        .send(errorBody('store_unavailable', sessionCheckUnavailableMessage(error)));
    }
    if (!record || record.status === 'uninstalled') {
      return refuseSession(
        reply,
        403,
        'shop_uninstalled',
        `The app is no longer installed on ${shop}: the session is valid but must not be honoured.`,
        { shop, ...(record?.uninstalledAt ? { uninstalledAt: record.uninstalledAt.toISOString() } : {}) },
      );
    }
    const answer: AppSessionValid = {
      ok: true,
      shop,
      status: record.status,
      expiresAt: new Date(Number(request.query.expires) * 1000).toISOString(),
    };
    return reply.send(answer);
  });
}
