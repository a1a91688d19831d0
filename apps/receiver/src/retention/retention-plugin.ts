/**
 * Retention (`SRHOOKS_RETENTION_DAYS` / `retentionDays`): once soon after start and then every hour,
 * deletes the deliveries older than that many days with their events, jobs and attempts
 * (`store.prune`, chunk by chunk), keeping those with unfinished jobs or dead letters and originals
 * that kept duplicates refer to. Without the setting nothing is ever deleted.
 *
 * Then, in app mode's tables, the charge bindings whose last notification is that old and that no delivery
 * left refers to (store/payment-binding-prune.ts).
 *
 * A run that fails (store unavailable) is logged and tried again at the next interval. Shutdown stops a
 * run between chunks (the chunk in progress commits; the rest waits for the next start); with PostgreSQL
 * gone silent, a run it cannot stop is given up 2 s into the shutdown (Store.forBackgroundWork). Several instances
 * on one PostgreSQL store run one at a time (the store's advisory lock, held for a whole run): an instance
 * that finds another one pruning skips its run and says so, instead of reporting zeros it did not count.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { olderThanDays } from '../store/prune-plan.js';
import { type PruneCounts, PruneInProgressError } from '../store/store.js';
import { StoreShutdownWaitError } from '../store/store-errors.js';
import { countPruned } from './pruned-metric.js';

export const DEFAULT_RETENTION_INTERVAL_MS = 60 * 60_000;
/** The first run waits a little, so start-up (migrations, reconcile, the first deliveries) goes first. */
export const DEFAULT_FIRST_RUN_MS = 30_000;

export interface RetentionPluginOptions {
  /** Between runs. Default one hour. */
  intervalMs?: number;
  /** Before the first run after start. Default 30 s. */
  firstRunMs?: number;
}

/** A run that did not prune: another instance on the same store was pruning it (PostgreSQL). */
export interface RetentionSkipped {
  skipped: 'another_instance_pruning';
}

export type RetentionOutcome = PruneCounts | RetentionSkipped;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Runs retention now (null when `retentionDays` is not set); resolves with what was deleted, or that
     * the run was skipped because another instance was pruning the store.
     */
    runRetention: (() => Promise<RetentionOutcome>) | null;
  }
}

/** Why old deliveries stayed, and what lets them go (store.prune keeps them; prune-plan.ts). */
function keptMessage(days: number, kept: number): string {
  return (
    `retention: nothing deleted; ${kept} ${kept === 1 ? 'delivery' : 'deliveries'} older than ${days} days kept: ` +
    'their jobs are unfinished or dead-lettered, they are quarantined, or newer duplicates refer to them. ' +
    'Retry or resolve the dead letters (srhooks dead-letters list), re-process the quarantined deliveries ' +
    '(srhooks deliveries list --status quarantined), or delete them with srhooks prune --include-dead-letters'
  );
}

const plugin: FastifyPluginAsync<RetentionPluginOptions> = async (app, options) => {
  const days = app.config.retentionDays;
  if (days === undefined) {
    app.decorate('runRetention', null);
    return;
  }
  const keepDays = days;
  const intervalMs = options.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<RetentionOutcome> | null = null;
  let closing = false;
  /** Shutdown stops a run between chunks instead of waiting for all of them. */
  const stop = new AbortController();
  // once the receiver shuts down, a store call PostgreSQL leaves unanswered is given up after a grace
  const store = app.store.forBackgroundWork?.() ?? app.store;

  async function prune(): Promise<RetentionOutcome> {
    const before = olderThanDays(keepDays);
    let counts: PruneCounts;
    try {
      counts = await store.prune({ before, signal: stop.signal });
    } catch (error) {
      if (!(error instanceof PruneInProgressError)) throw error;
      app.log.info(
        { retention: { days, before: before.toISOString(), skipped: 'another_instance_pruning' } },
        'retention: skipped, another instance is pruning this store (it logs what it deleted)',
      );
      return { skipped: 'another_instance_pruning' };
    }
    countPruned(app.metrics, counts, 'retention');
    const fields = { retention: { days, before: before.toISOString(), ...counts } };
    if (counts.deliveries > 0 || (counts.paymentBindings ?? 0) > 0) {
      app.log.info(fields, 'retention: old deliveries deleted');
    } else if (counts.kept > 0) {
      // Said at info: the store does not shrink, and only the operator can let these go.
      app.log.info(fields, keptMessage(keepDays, counts.kept));
    } else app.log.debug(fields, 'retention: nothing to delete');
    return counts;
  }

  function runRetention(): Promise<RetentionOutcome> {
    running ??= prune().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(delayMs: number): void {
    if (closing) return;
    timer = setTimeout(() => {
      runRetention()
        .catch((error: unknown) => {
          if (error instanceof StoreShutdownWaitError) {
            app.log.info(
              { retention: { days, reason: error.detail } },
              'retention run stopped by shutdown, its store call given up (PostgreSQL did not answer); the next start prunes again',
            );
            return;
          }
          app.log.warn({ err: error }, 'retention run failed; trying again at the next interval');
        })
        .finally(() => schedule(intervalMs));
    }, delayMs);
    timer.unref();
  }

  app.decorate('runRetention', runRetention);
  app.addHook('onReady', async () => {
    schedule(options.firstRunMs ?? DEFAULT_FIRST_RUN_MS);
  });
  app.addHook('preClose', async () => {
    closing = true;
    if (timer) clearTimeout(timer);
    stop.abort();
    await running?.catch(() => {});
  });
};

export const retentionPlugin = fp(plugin, {
  name: 'srhooks-retention',
  fastify: '5.x',
  dependencies: ['srhooks-config', 'srhooks-store', 'srhooks-metrics'],
});
