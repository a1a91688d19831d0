/**
 * Runs the {@link MemoryTrimmer} (`app.memoryTrimmer`, null where the addon is not available): counts
 * each request's declared body size, checks every CHECK_INTERVAL_MS whether a burst is over, and after
 * each garbage collection in the quiet time after a burst. When a burst is over it also asks the store
 * to release what its own threads hold (`store.releaseMemory()`).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import {
  CHECK_INTERVAL_MS,
  loadMemoryTrim,
  type MemoryTrimBinding,
  MemoryTrimmer,
  type MemoryTrimmerOptions,
} from '../memory/memory-trim.js';

declare module 'fastify' {
  interface FastifyInstance {
    memoryTrimmer: MemoryTrimmer | null;
  }
}

export interface MemoryTrimPluginOptions extends MemoryTrimmerOptions {
  /** The C library binding; default: the built addon. `null`: no trimming. */
  readonly binding?: MemoryTrimBinding | null;
  readonly checkIntervalMs?: number;
}

/** How long after a garbage collection the trim waits (for V8's background freeing of buffers). */
const GC_SETTLE_MS = 300;

/**
 * Needs the store (after a burst it asks the store's threads to free memory too) and the metrics
 * (`srhooks_memory_*`), both registered before it.
 */
const plugin: FastifyPluginAsync<MemoryTrimPluginOptions> = async (app, options) => {
  let binding = options.binding;
  if (binding === undefined) {
    const load = loadMemoryTrim();
    binding = load.binding;
    if (load.reason)
      app.log.info({ memoryTrim: 'off' }, `${load.reason}; memory freed after bursts stays with the process`);
  }
  if (!binding?.available) {
    app.decorate('memoryTrimmer', null);
    app.metrics.observeMemoryTrimmer(null);
    return;
  }
  const { store } = app;
  const trimmer = new MemoryTrimmer(binding, {
    releaseOtherThreads: () => void store.releaseMemory(),
    ...options,
  });
  app.decorate('memoryTrimmer', trimmer);
  app.metrics.observeMemoryTrimmer(trimmer);
  app.addHook('onRequest', (request, _reply, done) => {
    const length = Number(request.headers['content-length']);
    if (length > 0) trimmer.received(length);
    done();
  });
  let timer: NodeJS.Timeout | null = null;
  // A collection may just have freed a burst's buffers; V8 frees their memory on a background thread
  // after the collection, so the trim comes GC_SETTLE_MS later.
  const gcObserver = new PerformanceObserver(() => setTimeout(() => trimmer.afterGc(), GC_SETTLE_MS).unref());
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      if (trimmer.check()) app.log.debug('freed native memory given back to the system after a burst');
    }, options.checkIntervalMs ?? CHECK_INTERVAL_MS);
    timer.unref();
    gcObserver.observe({ entryTypes: ['gc'] });
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    gcObserver.disconnect();
  });
};

export const memoryTrimPlugin = fp(plugin, {
  name: 'srhooks-memory-trim',
  fastify: '5.x',
  dependencies: ['srhooks-metrics', 'srhooks-store'],
});
