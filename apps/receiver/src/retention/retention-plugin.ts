/**
 * Retention (`SRHOOKS_RETENTION_DAYS` / `retentionDays`): once soon after start and then every hour,
 * deletes the deliveries older than that many days with their events, jobs and attempts
 * (`store.prune`, chunk by chunk), keeping those with unfinished jobs or dead letters and originals
 * that kept duplicates refer to. Without the setting nothing is ever deleted.
 *
 * A run that fails (store unavailable) is logged and tried again at the next interval. Shutdown stops a
 * run between chunks (the chunk in progress commits; the rest waits for the next start). Several instances on one PostgreSQL store take turns (the store's
 * advisory lock), so each chunk is pruned once.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { olderThanDays } from '../store/prune-plan.js';
import type { PruneCounts } from '../store/store.js';

export const DEFAULT_RETENTION_INTERVAL_MS = 60 * 60_000;
/** The first run waits a little, so start-up (migrations, reconcile, the first deliveries) goes first. */
export const DEFAULT_FIRST_RUN_MS = 30_000;

export interface RetentionPluginOptions {
  /** Between runs. Default one hour. */
  intervalMs?: number;
  /** Before the first run after start. Default 30 s. */
  firstRunMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs retention now (null when `retentionDays` is not set); resolves with what was deleted. */
    runRetention: (() => Promise<PruneCounts>) | null;
  }
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
  let running: Promise<PruneCounts> | null = null;
  let closing = false;
  /** Shutdown stops a run between chunks instead of waiting for all of them. */
  const stop = new AbortController();

  async function prune(): Promise<PruneCounts> {
    const before = olderThanDays(keepDays);
    const counts = await app.store.prune({ before, signal: stop.signal });
    for (const kind of ['deliveries', 'events', 'jobs'] as const) {
      if (counts[kind] > 0) app.metrics.pruned.inc({ kind }, counts[kind]);
    }
    const fields = { retention: { days, before: before.toISOString(), ...counts } };
    if (counts.deliveries > 0) app.log.info(fields, 'retention: old deliveries deleted');
    else app.log.debug(fields, 'retention: nothing to delete');
    return counts;
  }

  function runRetention(): Promise<PruneCounts> {
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
