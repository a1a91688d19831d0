import { BATCH_MAX_BODY_BYTES } from '@srhooks/contracts';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerTokenRoute } from './auth/token-route.js';
import { SandboxApiError } from './errors.js';
import { installErrorHandling, sendError } from './http/error-handler.js';
import { resolveOptions, type SandboxOptions } from './options.js';
import { registerAccessCredentialRoute } from './routes/access-credential-route.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerApiRoutes } from './routes/api-routes.js';
import { registerAppRoutes } from './routes/app-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { SandboxState } from './state/sandbox-state.js';

/** API and token requests are counted per shop (admin routes are not). */
const COUNTED_URL = /^\/([^/?#]+)\/(?:api(?:[/?#]|$)|app\/token(?:[?#]|$))/;

function loggerOption(logger: boolean | object): boolean | object {
  if (logger === true) return { level: 'info', redact: ['req.headers.authorization'] };
  return logger;
}

/**
 * Builds the sandbox app without listening (use `app.inject`, or `startSandbox` for real HTTP).
 * Throws SandboxConfigError for bad options, seed or data files.
 */
export async function buildSandbox(
  options: SandboxOptions = {},
): Promise<{ app: FastifyInstance; sandbox: SandboxState }> {
  const resolved = resolveOptions(options);
  const app = Fastify({
    logger: loggerOption(resolved.logger),
    bodyLimit: BATCH_MAX_BODY_BYTES,
    // close() must not wait for keep-alive sockets or for requests held by an injected latency.
    forceCloseConnections: true,
    // Errors fastify raises before routing (bad percent-encoding, …) get the same error shape.
    frameworkErrors: (error, request, reply) => {
      sendError(
        request,
        reply,
        new SandboxApiError(400, undefined, error.code, 'Bad Request', {}, `${error.message}; fix the URL.`),
      );
    },
  });
  const sandbox = new SandboxState(resolved, (details, message) => app.log.info(details, message));

  // Every body is read raw: the routes parse it themselves so each mistake gets ShopRenter's inner code.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, raw, done) => done(null, raw));
  installErrorHandling(app);

  app.addHook('onResponse', async (request, reply) => {
    const match = COUNTED_URL.exec(request.url);
    if (match?.[1]) sandbox.recordResponse(match[1], reply.statusCode);
  });
  app.addHook('onClose', async () => sandbox.close());

  registerHealthRoutes(app);
  registerTokenRoute(app, sandbox);
  registerApiRoutes(app, sandbox);
  registerAdminRoutes(app, sandbox);
  registerAppRoutes(app, sandbox);
  registerAccessCredentialRoute(app, sandbox);
  return { app, sandbox };
}
