/**
 * `GET /metrics`: Prometheus text exposition of the receiver's registry. With `metricsToken` set, only
 * a request carrying `Authorization: Bearer <metricsToken>` is answered (compared in constant time);
 * any other gets the uniform 401 body.
 */
import type { FastifyPluginAsync } from 'fastify';
import { bearerToken, constantTimeEqual } from '../../admin/admin-auth.js';
import { errorBody } from '../../http/error-body.js';

const UNAUTHORIZED_MESSAGE =
  'Metrics need a token: send Authorization: Bearer <SRHOOKS_METRICS_TOKEN> ' +
  '(in a Prometheus scrape job: authorization: { credentials: <token> }).';

/** True when the Authorization header is `Bearer <token>`. */
function carriesMetricsToken(authorization: string | undefined, token: string): boolean {
  const given = bearerToken(authorization);
  return given !== null && constantTimeEqual(given, token);
}

export const metricsRoute: FastifyPluginAsync = async (app) => {
  const { registry } = app.metrics;
  const token = app.config.metricsToken;
  app.get('/metrics', async (request, reply) => {
    if (token !== undefined && !carriesMetricsToken(request.headers.authorization, token)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="srhooks metrics"')
        .send(errorBody('unauthorized', UNAUTHORIZED_MESSAGE));
    }
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
};
