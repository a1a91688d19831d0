/** Decorates the instance with the receiver's Prometheus metrics (`app.metrics`). */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ReceiverMetrics } from '../metrics/receiver-metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ReceiverMetrics;
  }
}

export interface MetricsPluginOptions {
  /** Process metrics (CPU, memory, event loop) besides the receiver's own; default true. */
  defaultMetrics?: boolean;
  /**
   * The metrics of the spool-only receiver this one takes over from (start-up/): kept, so its counts
   * (deliveries spooled, refused, …) go on rather than restart from zero at the take-over.
   */
  metrics?: ReceiverMetrics;
}

const plugin: FastifyPluginAsync<MetricsPluginOptions> = async (app, options) => {
  app.decorate(
    'metrics',
    options.metrics ?? new ReceiverMetrics({ defaultMetrics: options.defaultMetrics ?? true }),
  );
};

export const metricsPlugin = fp(plugin, { name: 'srhooks-metrics', fastify: '5.x' });
