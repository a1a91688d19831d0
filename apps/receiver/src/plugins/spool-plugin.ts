/**
 * The delivery spool (`app.spool`, spool/): with SRHOOKS_SPOOL_DIR set, the folder is opened and locked
 * when the plugin registers (an unusable folder stops start-up: SpoolDirError; one another receiver holds:
 * SpoolInUseError; a lock a killed receiver left is taken over, logged at warn), the drainer starts when the app is
 * ready (draining what an earlier run left first) and is stopped in onClose — after the server closed,
 * before the store plugin's onClose closes the store (registered earlier) — and the folder's lock is
 * released. What it has not drained by then stays in the folder for the next start. Without SRHOOKS_SPOOL_DIR, `app.spool` is null.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { APP_EVENTS } from '@srhooks/contracts';
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { DeliveryDecoder } from '../ingest/delivery-decoder.js';
import { Spool } from '../spool/spool.js';
import { SpoolDrainer } from '../spool/spool-drainer.js';
import { SPOOL_HOLDER_FILE, SpoolLock } from '../spool/spool-lock.js';
import { UNREADABLE_DIR } from '../spool/spool-reader.js';
import { spooledContent } from '../spool/spooled-content.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The delivery spool; null when SRHOOKS_SPOOL_DIR is not set. */
    spool: Spool | null;
    /** The spool folder's lock (one receiver per folder); null when SRHOOKS_SPOOL_DIR is not set. */
    spoolLock: SpoolLock | null;
    /** The spool's drainer (app mode's payment route hands it how to store payment notifications). */
    spoolDrainer: SpoolDrainer | null;
  }
}

export interface SpoolPluginOptions {
  /** The drainer's first wait after the store was unavailable (default 1 s; tests shorten it). */
  retryMs?: number;
  maxRetryMs?: number;
  /**
   * The spool, opened and locked already (by the spool-only receiver a start without its store serves,
   * start-up/): used as it is, its lock released when this app closes — not when its build fails (the
   * spool-only receiver still writes to it then).
   */
  opened?: OpenedSpool;
}

/** A spool folder opened and locked by this receiver. */
export interface OpenedSpool {
  readonly spool: Spool;
  readonly lock: SpoolLock;
}

/** Locks handed to a build through `opened`: a failed build leaves them to their holder. */
const handedOver = new WeakSet<SpoolLock>();

/**
 * Opens SRHOOKS_SPOOL_DIR and locks it (SpoolDirError, SpoolInUseError), logging a take-over of a lock a
 * killed receiver left.
 */
export async function openLockedSpool(
  config: { spoolDir: string; spoolMaxBytes: number },
  log: FastifyBaseLogger,
): Promise<OpenedSpool> {
  const spool = await Spool.open(config.spoolDir, config.spoolMaxBytes);
  const lock = SpoolLock.acquire(spool.dir);
  logTakeOver(log, lock);
  return { spool, lock };
}

const plugin: FastifyPluginAsync<SpoolPluginOptions> = async (app, options) => {
  const { config, metrics, store, handlers } = app;
  if (config.spoolDir === undefined) {
    app.decorate('spool', null);
    app.decorate('spoolLock', null);
    app.decorate('spoolDrainer', null);
    return;
  }
  if (options.opened) handedOver.add(options.opened.lock);
  const { spool, lock } =
    options.opened ?? (await openLockedSpool({ ...config, spoolDir: config.spoolDir }, app.log));
  app.decorate('spoolLock', lock);
  const decoder = new DeliveryDecoder();
  const drainer = new SpoolDrainer({
    spool,
    store,
    contentOf: (delivery) =>
      spooledContent(decoder, delivery, config.bodyLimit, (error) => {
        app.log.error(
          { err: error, deliveryId: delivery.id },
          'decoder failed unexpectedly; spooled delivery quarantined',
        );
      }),
    handlersFor: async (shop, event) => {
      // The shop uninstalled the app since the delivery was spooled: the uninstall cancelled its waiting
      // jobs, so this one gets none either (the app's own events keep theirs, as on uninstall). Asked of the
      // store (one read of the shop), not of the list in memory: that may not have seen another instance's
      // re-install (its jobs would be lost) or uninstall yet. A read that fails leaves the delivery spooled.
      if (
        !(APP_EVENTS as readonly string[]).includes(event) &&
        (await app.shopDirectory.uninstalledInStore(shop))
      ) {
        app.log.info(
          { shop, event },
          'spooled delivery of a shop that uninstalled the app since it arrived: stored without handler jobs (replay its event to run them once the app is installed there again)',
        );
        return [];
      }
      return [...handlers.namesFor(shop, event)];
    },
    log: app.log,
    storeTimeoutMs: config.storeTimeoutMs,
    ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
    ...(options.maxRetryMs === undefined ? {} : { maxRetryMs: options.maxRetryMs }),
    onDrained: (delivery, content, result) => {
      const { shop, event } = delivery;
      if (result.alreadyStored) {
        metrics.spoolDeliveries.inc({ outcome: 'already_stored' });
      } else if ('failure' in content) {
        metrics.spoolDeliveries.inc({ outcome: 'quarantined' });
        metrics.quarantined.inc({ shop, event, code: content.failure.code });
      } else {
        metrics.spoolDeliveries.inc({ outcome: 'stored' });
        metrics.events.inc({ shop, event }, result.events.length);
        if (result.duplicates > 0) metrics.duplicates.inc({ shop, event }, result.duplicates);
      }
    },
    onPaymentDrained: (result) => metrics.spoolDeliveries.inc({ outcome: result.outcome }),
    onUninstallDrained: ({ outcome }) =>
      metrics.spoolDeliveries.inc({
        outcome:
          outcome === 'already_stored'
            ? 'already_stored'
            : outcome === 'refused' || outcome === 'unknown_shop'
              ? 'refused'
              : 'stored',
      }),
    onUnreadable: () => metrics.spoolDeliveries.inc({ outcome: 'unreadable' }),
  });
  spool.onWritten(() => drainer.wake());
  metrics.observeSpool(() => spool.figures());
  app.decorate('spool', spool);
  app.decorate('spoolDrainer', drainer);

  const left = spool.figures();
  app.log.info(
    { spool: { dir: spool.dir, maxBytes: config.spoolMaxBytes, ...left } },
    left.deliveries > 0
      ? 'delivery spool on: deliveries an earlier run spooled are drained into the store'
      : 'delivery spool on',
  );
  if (left.unreadableFiles > 0) {
    // Never deleted automatically: they may be the only copy of an acknowledged delivery.
    app.log.warn(
      {
        spool: {
          dir: spool.dir,
          unreadableFiles: left.unreadableFiles,
          unreadableBytes: left.unreadableBytes,
        },
      },
      `${left.unreadableFiles} damaged ${left.unreadableFiles === 1 ? 'file' : 'files'} in ${join(spool.dir, UNREADABLE_DIR)}: see docs/operations.md`,
    );
  }
  app.addHook('onReady', async () => {
    drainer.start();
  });
  app.addHook('onClose', async () => {
    try {
      await drainer.stop();
      await decoder.close();
    } finally {
      lock.release();
    }
    const remaining = spool.figures();
    if (remaining.deliveries > 0) {
      app.log.info({ spool: remaining }, 'spooled deliveries stay in the spool; the next start drains them');
    }
  });
};

/** A receiver that ended without releasing the folder (killed, crashed) left its record: say it was taken over. */
function logTakeOver(log: FastifyBaseLogger, lock: SpoolLock): void {
  const previous = lock.previousHolder;
  if (previous === null) return;
  const holder = {
    pid: previous.pid,
    hostname: previous.hostname,
    startedAt: previous.startedAt.toISOString(),
  };
  const elsewhere = previous.hostname !== hostname();
  log.warn(
    { spool: { dir: lock.dir, previousHolder: holder } },
    elsewhere
      ? `spool folder taken over from receiver pid ${previous.pid} on host ${previous.hostname}, which did not release it (its ${SPOOL_HOLDER_FILE} was left behind; its lock is free). If that receiver still runs, the folder's file system does not pass locks between hosts: stop it, and give each receiver its own SRHOOKS_SPOOL_DIR on local disk`
      : `spool folder taken over from receiver pid ${previous.pid}, which ended without releasing it (killed or crashed)`,
  );
}

/** buildReceiver failed after the spool plugin ran: frees the folder (the app's onClose never runs). */
export function releaseSpoolAfterFailedStart(app: FastifyInstance): void {
  if (!app.hasDecorator('spoolLock') || app.spoolLock === null) return;
  if (!handedOver.has(app.spoolLock)) app.spoolLock.release();
}

export const spoolPlugin = fp(plugin, {
  name: 'srhooks-spool',
  fastify: '5.x',
  dependencies: ['srhooks-config', 'srhooks-metrics', 'srhooks-handlers', 'srhooks-store'],
});
