/** `GET /metrics`: Prometheus text exposition of the receiver's registry. */
import type { FastifyPluginAsync } from 'fastify';

export const metricsRoute: FastifyPluginAsync = async (app) => {
  const { registry } = app.metrics;
  app.get('/metrics', async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
};
