/**
 * `GET /readyz`: the sandbox answers HTTP (its state is in memory, so there is nothing else to
 * check). The container image's HEALTHCHECK calls it, as the receiver's image calls the receiver's.
 */
import type { FastifyInstance } from 'fastify';

export function registerHealthRoutes(app: FastifyInstance): void {
  app.get('/readyz', async () => ({ ok: true }));
}
