/**
 * App uninstall calls and the delivery spool (SRHOOKS_SPOOL_DIR). ShopRenter calls the UninstallUri once
 * (not known to retry — assumed), so a verified call (hmac and timestamp checked as always: nothing
 * unverified is spooled) that meets an unavailable store — during an outage, or while a receiver started
 * without its store spools (start-up/) — is written to the spool (format 2, source `app_uninstall`: the
 * call's query string, its arrival time) and answered as an uninstall is (uninstall-route.ts). When the
 * drainer (spool/spool-drainer.ts) hands it back here, it is applied as the route applies a call
 * (shop-uninstall.ts `applyLateUninstall`) at the call's time: the shop uninstalled, its waiting jobs
 * cancelled, its `app_uninstalled` event stored under the spooled id, at most once. Its request code is
 * recorded then, in the same transaction: a code used already (a replay the route could not catch while
 * the store was away) changes nothing, and neither does a call older than the shop's last change — an
 * install call recorded after it must not be undone. Both are logged at warn with what to do.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { DrainedUninstall, UninstallDrain } from '../spool/app-mode-drains.js';
import type { SpooledDelivery } from '../store/store.js';
import type { AppConfig } from './app-config.js';
import { requestCodeExpiresAt, requestCodeKey } from './app-request.js';
import { applyLateUninstall, type ShopUninstallContext } from './shop-uninstall.js';

/**
 * Stored with a spooled uninstall call: `recorded` when the route recorded its request code before the
 * store failed, `unchecked` when not (then it is checked when the call is applied).
 */
export const REQUEST_CODE_HEADER = 'x-srhooks-request-code';

/** How the drainer applies a spooled uninstall call (see the file's comment). */
export function uninstallDrain(
  ctx: ShopUninstallContext,
  app: AppConfig,
  log: FastifyBaseLogger,
): UninstallDrain {
  return async (delivery: SpooledDelivery): Promise<DrainedUninstall> => {
    const { shop } = delivery;
    const calledAt = delivery.receivedAt.toISOString();
    const signed = new URLSearchParams(delivery.rawBody.toString('utf8'));
    const code = signed.get('code') ?? '';
    const timestamp = Number(signed.get('timestamp'));
    // Checked now unless the route recorded it before the store failed (REQUEST_CODE_HEADER).
    const checked = delivery.headers[REQUEST_CODE_HEADER] !== 'recorded';
    const outcome = await applyLateUninstall(ctx, delivery, {
      requestCode: checked
        ? { key: requestCodeKey(shop, code), expiresAt: requestCodeExpiresAt(timestamp, app) }
        : null,
    });
    const byHand = `if the shop has removed the app, mark it uninstalled: srhooks app mark-uninstalled ${shop}`;
    if (outcome.kind === 'unknown_shop') {
      log.info(
        { shop, calledAt, deliveryId: delivery.id },
        'spooled uninstall call for a shop this app has no record of; nothing to do',
      );
      return { outcome: 'unknown_shop', shop };
    }
    if (outcome.kind === 'refused') {
      const { refused, status, updatedAt } = outcome.refused;
      log.warn(
        {
          shop,
          calledAt,
          deliveryId: delivery.id,
          code: `uninstall_${refused}`,
          status,
          updatedAt: updatedAt.toISOString(),
        },
        refused === 'replayed'
          ? `spooled uninstall call not applied: its request code was used already (a replayed call); the shop stays ${status}; ${byHand}`
          : `spooled uninstall call not applied: the shop's record changed after the call (an install call since, or its step), so the uninstall must not undo it; the shop stays ${status}; ${byHand}`,
      );
      return { outcome: 'refused', shop };
    }
    log.info(
      {
        shop,
        calledAt,
        uninstalledAt: outcome.uninstalledAt.toISOString(),
        cancelledJobs: outcome.cancelledJobs,
        deliveryId: outcome.deliveryId,
      },
      outcome.alreadyStored
        ? 'spooled uninstall call applied before; nothing changed'
        : outcome.already
          ? 'spooled uninstall call for a shop already uninstalled; nothing changed'
          : 'spooled uninstall call applied: app uninstalled',
    );
    return {
      outcome: outcome.alreadyStored
        ? 'already_stored'
        : outcome.already
          ? 'already_uninstalled'
          : 'uninstalled',
      shop,
    };
  };
}
