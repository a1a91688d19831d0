/**
 * `GET /metrics`: Prometheus text exposition of the receiver's registry. With `metricsToken` set, only
 * a request carrying `Authorization: Bearer <metricsToken>` is answered (compared in constant time);
 * any other gets the uniform 401 body. Guessing the token is throttled as guessing the admin token is
 * (credential-throttle.ts, its own count, `adminMaxFailures` wrong tokens per address within 5 minutes):
 * then every request of that address presenting a token is refused with 429, unchecked, for a while.
 */
import type { FastifyPluginAsync } from 'fastify';
import { bearerToken, constantTimeEqual } from '../../admin/admin-auth.js';
import { CredentialThrottle } from '../../admin/credential-throttle.js';
import { errorBody } from '../../http/error-body.js';

const UNAUTHORIZED_MESSAGE =
  'Metrics need a token: send Authorization: Bearer <SRHOOKS_METRICS_TOKEN> ' +
  '(in a Prometheus scrape job: authorization: { credentials: <token> }).';

/** True when the Authorization header is `Bearer <token>`. */
function carriesMetricsToken(authorization: string | undefined, token: string): boolean {
  const given = bearerToken(authorization);
  return given !== null && constantTimeEqual(given, token);
}

function throttledMessage(throttle: CredentialThrottle, retryAfterSeconds: number): string {
  return (
    `Too many wrong metrics tokens from this address (${throttle.maxFailures} within ` +
    `${Math.round(throttle.windowMs / 60_000)} minutes): refused without checking for ${retryAfterSeconds} s more. ` +
    "Check the scrape job's token against SRHOOKS_METRICS_TOKEN, then try again."
  );
}

export const metricsRoute: FastifyPluginAsync = async (app) => {
  const { registry } = app.metrics;
  const token = app.config.metricsToken;
  const throttle = new CredentialThrottle({ maxFailures: app.config.adminMaxFailures });
  app.get('/metrics', async (request, reply) => {
    if (token !== undefined) {
      const presented = request.headers.authorization !== undefined;
      const waitMs = presented ? throttle.retryAfterMs(request.ip) : 0;
      if (waitMs > 0) {
        const retryAfterSeconds = Math.ceil(waitMs / 1000);
        return reply
          .code(429)
          .header('retry-after', String(retryAfterSeconds))
          .send(errorBody('too_many_failures', throttledMessage(throttle, retryAfterSeconds)));
      }
      if (!carriesMetricsToken(request.headers.authorization, token)) {
        if (presented) throttle.fail(request.ip);
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="srhooks metrics"')
          .send(errorBody('unauthorized', UNAUTHORIZED_MESSAGE));
      }
      throttle.succeed(request.ip);
    }
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
};
