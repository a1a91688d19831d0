/**
 * App mode's uninstall route (`GET uninstallPath`, ShopRenter's UninstallUri; FACTS.md §7): verify the
 * call (hmac, timestamp, then its code recorded: app-request.ts), then mark the shop uninstalled
 * (shop-uninstall.ts, shared with the admin API's mark for a lost uninstall call). Not authentic, stale or
 * replayed: 401 with a short reason, nothing stored.
 *
 * ShopRenter calls it once (not known to retry — assumed). A verified call that meets an unavailable
 * store — an outage, a store that did not open at start (the spool-only receiver registers this route
 * too, with no store: `uninstall: null`) — is, with the delivery spool on (SRHOOKS_SPOOL_DIR), written to
 * the spool and answered 200 `spooled`; the drainer applies it at the call's time (spooled-uninstall.ts).
 * Without the spool, or when it cannot be spooled (full, write failed): 503 `store_unavailable`, and the
 * error log names the shop whose uninstall was lost and how to mark it by hand.
 */
import type { AppRequestErrorCode } from '@srhooks/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../http/error-body.js';
import { headersForStorage } from '../ingest/delivery-headers.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import type { AppShopStore } from '../store/app-shops/app-shop-store.js';
import { newId } from '../store/sortable-id.js';
import { type SpooledDelivery, StoreUnavailableError, type WebhookEvent } from '../store/store.js';
import type { AppConfig } from './app-config.js';
import { useAppRequestCode, verifyAppQuery } from './app-request.js';
import { refusalReason } from './refusal-reason.js';
import { type ShopUninstallContext, uninstallShop } from './shop-uninstall.js';
import { REQUEST_CODE_HEADER } from './spooled-uninstall.js';

type Query = Record<string, string | string[] | undefined>;

export interface UninstallRouteOptions {
  readonly appConfig: AppConfig;
  /** Where the call's code is recorded. */
  readonly appShops: AppShopStore;
  /** How the shop is marked; null while the store is not opened (every verified call is spooled). */
  readonly uninstall: ShopUninstallContext | null;
}

const UNINSTALL_CONTENT_TYPE = 'application/x-www-form-urlencoded';

export function registerUninstallRoute(app: FastifyInstance, options: UninstallRouteOptions): void {
  const { appConfig, appShops, uninstall } = options;
  const timeoutMs = app.config.storeTimeoutMs;

  function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    code: AppRequestErrorCode,
    message: string,
    /** A stale call's shop: its signature was verified before its timestamp, so the name is proven. */
    staleShop?: string,
  ) {
    app.metrics.forgedAttempts.inc({ reason: refusalReason(code) });
    request.log.warn(
      {
        // The reason names a parameter or the timestamp's skew, never a value of the request.
        appRequest: { kind: 'uninstall', refused: code, reason: message, remoteAddress: request.ip },
        // Signed with the app's ClientSecret but late: ShopRenter's call held up (or this server's clock off),
        // or an old entry-point link (signed alike) sent here. Refused either way; if it was ShopRenter's, the
        // shop removed the app and the call is not sent again (assumed).
        ...(staleShop
          ? {
              shop: staleShop,
              advice: `if ${staleShop} removed the app (its owner says so, or the app is gone from its admin), mark it uninstalled: srhooks app mark-uninstalled ${staleShop}, or POST /admin/api/shops/${staleShop}/uninstall`,
            }
          : {}),
      },
      'app request refused',
    );
    return reply.code(401).send(errorBody(code, message));
  }

  /** The shop a stale call names (`shopname`, or `shopName` as the Payment API's page writes it). */
  const signedShop = (query: Query): string | undefined => {
    const value = query.shopname ?? query.shopName;
    return typeof value === 'string' ? value : undefined;
  };

  app.get(
    appConfig.uninstallPath,
    // Called once (assumed): a call on a connection still open while the receiver closes is taken.
    { config: { takenWhileClosing: true } },
    async (request, reply) => {
      const receivedAt = new Date();
      const verified = verifyAppQuery(request.query as Query, appConfig);
      if (!verified.ok)
        return refuse(
          request,
          reply,
          verified.error.code,
          verified.error.message,
          verified.error.code === 'stale' ? signedShop(request.query as Query) : undefined,
        );
      const { shop } = verified;
      const rawBody = Buffer.from(request.url.slice(request.url.indexOf('?') + 1));
      let codeRecorded = false;
      try {
        const used = await withStoreTimeout(
          'app request check',
          useAppRequestCode(verified, appConfig, appShops),
          timeoutMs,
        );
        if (!used.ok) return refuse(request, reply, used.error.code, used.error.message);
        codeRecorded = true;
        if (uninstall === null) throw new StoreUnavailableError('the store is not opened');
        const outcome = await uninstallShop(uninstall, shop, {
          by: 'shoprenter',
          remoteAddress: request.ip,
          headers: headersForStorage(request.headers),
          contentType: UNINSTALL_CONTENT_TYPE,
          rawBody,
        });
        if (!outcome) {
          request.log.info({ shop }, 'uninstall for a shop this app has no record of; nothing to do');
          return reply.code(200).send({ ok: true, shop, known: false });
        }
        request.log.info(
          { shop, cancelledJobs: outcome.cancelledJobs, deliveryId: outcome.deliveryId },
          outcome.already ? 'uninstall for a shop already uninstalled; nothing changed' : 'app uninstalled',
        );
        return reply.code(200).send({
          ok: true,
          shop,
          cancelledJobs: outcome.cancelledJobs,
          deliveryId: outcome.deliveryId,
          ...(outcome.already ? { alreadyUninstalled: true } : {}),
        });
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        return notStored(error, {
          id: newId('dlv', receivedAt.getTime()),
          shop,
          event: 'app_uninstalled' as unknown as WebhookEvent,
          receivedAt,
          remoteAddress: request.ip,
          headers: {
            ...headersForStorage(request.headers),
            [REQUEST_CODE_HEADER]: codeRecorded ? 'recorded' : 'unchecked',
          },
          contentType: UNINSTALL_CONTENT_TYPE,
          rawBody,
        });
      }

      /** The store was unavailable: spooled (verified above) and 200, or 503 with the loss logged. */
      async function notStored(error: StoreUnavailableError, call: SpooledDelivery) {
        app.metrics.storeErrors.inc({ operation: 'app_uninstall' });
        const { spool } = app;
        if (spool !== null) {
          try {
            await spool.write(call, 'app_uninstall');
            request.log.info(
              { shop, deliveryId: call.id, storeError: error.detail, spool: spool.figures() },
              'store unavailable: uninstall call spooled, applied at its time once the store is reachable again',
            );
            return reply.code(200).send({ ok: true, shop, deliveryId: call.id, spooled: true });
          } catch (spoolError) {
            const code = (spoolError as { code?: unknown }).code;
            app.metrics.spoolDeliveries.inc({ outcome: code === 'spool_full' ? 'full' : 'write_failed' });
            request.log.error(
              { spool: { code, message: String((spoolError as Error).message) }, shop },
              'uninstall call not spooled',
            );
          }
        }
        request.log.error(
          { shop, code: 'uninstall_lost', storeError: error.detail },
          `uninstall call of ${shop} lost: the store is unavailable${spool === null ? ' and the delivery spool is off (SRHOOKS_SPOOL_DIR)' : ''}, so the shop stays installed in this receiver's records (ShopRenter is not known to call again); once the store is reachable, mark it uninstalled: srhooks app mark-uninstalled ${shop}`,
        );
        return reply
          .code(503)
          .send(
            errorBody(
              'store_unavailable',
              "The store is unavailable: the uninstall could not be recorded. The receiver's operator must mark the shop uninstalled once the store is back (srhooks app mark-uninstalled); turn the delivery spool on (SRHOOKS_SPOOL_DIR) to take uninstall calls through store outages.",
            ),
          );
      }
    },
  );
}
