/**
 * The JSON admin API (the CLI's and scripts' view of the store), registered under `/admin/api`.
 * Every route needs the admin token (`Authorization: Bearer …`) or an inspector session cookie plus
 * CSRF token for state-changing calls; see admin-guard.ts. Documented route by route in docs/admin-api-and-inspector.md.
 */
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { shopsJson } from '../app-mode/shops-json.js';
import { errorBody } from '../http/error-body.js';
import { handleError, limitRouteBodies } from '../http/error-handler.js';
import { registerErasureRoute } from '../personal-data/erase-route.js';
import { registerRecoveryRoutes } from '../recovery/recovery-admin-routes.js';
import { countPruned } from '../retention/pruned-metric.js';
import type { AdminAuth } from './admin-auth.js';
import {
  adminErrorAnswer,
  optionsPart,
  parseBodyOrQuery,
  parseListFiltersBody,
  parseRequestPart,
} from './admin-errors.js';
import { addAdminGuard, CSRF_MESSAGES, throttledMessage } from './admin-guard.js';
import { deliveryDetailJson } from './admin-json.js';
import { AdminOperations } from './admin-operations.js';
import {
  BackfillRequestSchemas,
  DeadLetterQuerySchema,
  DeadLetterReplaySchema,
  DeliveryIdParamsSchema,
  type DeliveryListQuery,
  DeliveryListQuerySchema,
  EventIdParamsSchema,
  EventListQuerySchema,
  HandlerParamsSchema,
  NoOptionsSchemas,
  NoQuerySchema,
  PruneRequestSchemas,
  ReplayRequestSchemas,
  ReprocessRequestSchemas,
  ShopParamsSchema,
} from './admin-request-schemas.js';
import type { CredentialThrottle } from './credential-throttle.js';
import type { DeadLetterReplayAnswer } from './dead-letter-replay-answer.js';
import { methodNotAllowedAnswers } from './method-not-allowed.js';
import type { SessionRevocations } from './session-revocations.js';
import { markShopUninstalledFor } from './shop-uninstall-operation.js';

export interface AdminApiRoutesOptions {
  auth: AdminAuth;
  throttle: CredentialThrottle;
  revocations: SessionRevocations;
}

const JSON_BODY_LIMIT = 64 * 1024;

const UNAUTHORIZED_MESSAGE =
  'Admin authentication required: send Authorization: Bearer <SRHOOKS_ADMIN_TOKEN> (or log in at /ui/login).';

export const adminApiRoutes: FastifyPluginAsync<AdminApiRoutesOptions> = async (app, options) => {
  const operations = new AdminOperations({
    store: app.store,
    handlers: app.handlers,
    config: app.config,
    appShops: app.appShops,
    handlerProblem: (handler) => app.worker?.handlerProblem(handler) ?? null,
    // Read through this area's shop records (bounded during the shutdown, admin-area.ts).
    uninstalledInStore: (shop) => app.shopDirectory.uninstalledInStore(shop, app.appShops ?? undefined),
    uninstalledShopsInStore: () => app.shopDirectory.uninstalledShopsInStore(app.appShops ?? undefined),
  });

  // Records the routes below as they are added: a known path asked with another method is answered 405.
  const wrongMethod = methodNotAllowedAnswers(app);

  addAdminGuard(app, {
    auth: options.auth,
    throttle: options.throttle,
    revocations: options.revocations,
    publicUrl: app.config.publicUrl,
    throttled: (_request, reply, retryAfterSeconds) =>
      reply
        .code(429)
        .header('retry-after', String(retryAfterSeconds))
        .send(errorBody('too_many_failures', throttledMessage(options.throttle, retryAfterSeconds))),
    unauthenticated: (_request, reply) =>
      reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="srhooks-admin"')
        .send(errorBody('unauthorized', UNAUTHORIZED_MESSAGE)),
    forbidden: (_request, reply, failure) => reply.code(403).send(errorBody(failure, CSRF_MESSAGES[failure])),
  });

  // 64 KiB whatever the Content-Type, and the 413 says so (not the delivery limit SRHOOKS_BODY_LIMIT).
  limitRouteBodies(app, JSON_BODY_LIMIT);

  // An empty JSON body means "no options" (e.g. `curl -X POST -H 'content-type: application/json'`).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT },
    (_request, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        const error = new Error('The body is not valid JSON.') as FastifyError;
        Object.assign(error, { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
        done(error, undefined);
      }
    },
  );

  // The answers carry customer data unmasked: not cached, not sniffed, not loadable by another site.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cross-origin-resource-policy', 'same-origin');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A path no route takes, whatever its body (JSON that does not parse, over the limit): 404 or 405.
    if (request.is404 && (error.statusCode ?? 500) < 500) return wrongMethod.answer(request, reply);
    const answer = adminErrorAnswer(error);
    if (answer) return reply.code(answer.status).send(answer.body);
    return handleError(error, request, reply);
  });

  app.get('/shops', async (request) => {
    parseRequestPart(NoQuerySchema, 'query', request.query);
    return {
      ok: true,
      items: await shopsJson(
        app.config,
        app.shopDirectory,
        app.store,
        app.recovery.scheduled,
        app.reconcileStatus,
      ),
    };
  });

  // An app shop whose uninstall call never arrived, marked uninstalled by an operator (no options).
  app.post('/shops/:shop/uninstall', async (request) => {
    parseBodyOrQuery(NoOptionsSchemas, request);
    const { shop } = parseRequestPart(ShopParamsSchema, 'params', request.params);
    const answer = await markShopUninstalledFor(app, request, shop, 'admin API');
    return { ok: true, ...answer };
  });

  /** A list's answer: one page and the cursor of the next. */
  const listAnswer = <Item>(page: { items: Item[]; nextCursor: string | null }) => ({
    ok: true,
    items: page.items,
    nextCursor: page.nextCursor,
  });

  /**
   * The deliveries list's answer, with `asOf`: this receiver's time just before the list was read, so a
   * client that follows the store passes it as `changedSince` next time to get what changed after.
   */
  const deliveriesAnswer = async (filter: DeliveryListQuery) => {
    const asOf = new Date();
    return { ...listAnswer(await operations.listDeliveries(filter)), asOf };
  };

  app.get('/deliveries', async (request) =>
    deliveriesAnswer(parseRequestPart(DeliveryListQuerySchema, 'query', request.query)),
  );

  // The same list with its filters in a JSON body: what is searched for (a customer's name, e-mail) then
  // stands in no address, which a reverse proxy's access log would keep. The CLI's --search uses it.
  app.post('/deliveries/search', async (request) =>
    deliveriesAnswer(parseListFiltersBody(DeliveryListQuerySchema, request)),
  );

  app.get('/deliveries/:id', async (request) => {
    parseRequestPart(NoQuerySchema, 'query', request.query);
    const { id } = parseRequestPart(DeliveryIdParamsSchema, 'params', request.params);
    return { ok: true, delivery: deliveryDetailJson(await operations.getDelivery(id)) };
  });

  app.post('/deliveries/:id/reprocess', async (request) => {
    const options = parseBodyOrQuery(ReprocessRequestSchemas, request);
    const { id } = parseRequestPart(DeliveryIdParamsSchema, 'params', request.params);
    const result = await operations.reprocessDelivery(id, options);
    request.log.info({ deliveryId: id, events: result.events.length }, 'quarantined delivery re-processed');
    return { ok: true, ...result };
  });

  app.get('/events', async (request) =>
    listAnswer(await operations.listEvents(parseRequestPart(EventListQuerySchema, 'query', request.query))),
  );

  app.post('/events/search', async (request) =>
    listAnswer(await operations.listEvents(parseListFiltersBody(EventListQuerySchema, request))),
  );

  app.get('/events/:id', async (request) => {
    parseRequestPart(NoQuerySchema, 'query', request.query);
    const { id } = parseRequestPart(EventIdParamsSchema, 'params', request.params);
    return { ok: true, event: await operations.getEvent(id) };
  });

  app.post('/events/:id/replay', async (request) => {
    const { id } = parseRequestPart(EventIdParamsSchema, 'params', request.params);
    const { handler } = parseBodyOrQuery(ReplayRequestSchemas, request);
    const jobs = await operations.replayEvent(id, handler, optionsPart(request));
    request.log.info({ eventId: id, handler: handler ?? null, jobs: jobs.length }, 'event replayed');
    return { ok: true, eventId: id, jobs };
  });

  // Replays a window's events to one handler (events-backfill.ts); `dryRun` only counts.
  app.post('/events/backfill', async (request) => {
    const backfill = parseBodyOrQuery(BackfillRequestSchemas, request);
    const result = await operations.backfill(backfill, optionsPart(request));
    request.log.info(
      {
        handler: result.handler,
        shop: backfill.shop ?? null,
        event: backfill.event ?? null,
        from: result.from.toISOString(),
        to: result.to.toISOString(),
        missingOnly: backfill.missingOnly ?? false,
        events: result.events,
        skipped: result.skipped,
      },
      result.dryRun ? 'backfill dry run' : 'events backfilled',
    );
    return { ok: true, ...result };
  });

  app.post('/events/:id/release', async (request) => {
    parseBodyOrQuery(NoOptionsSchemas, request);
    const { id } = parseRequestPart(EventIdParamsSchema, 'params', request.params);
    const jobs = await operations.releaseEvent(id);
    request.log.info({ eventId: id, jobs: jobs.length }, 'held event released');
    return { ok: true, eventId: id, jobs };
  });

  app.get('/dead-letters', async (request) => {
    const filter = parseRequestPart(DeadLetterQuerySchema, 'query', request.query);
    const { items, nextCursor, total } = await operations.deadLetterPage(filter);
    return { ok: true, items, nextCursor, total };
  });

  app.post('/dead-letters/replay', async (request) => {
    const filter = parseBodyOrQuery(DeadLetterReplaySchema, request);
    // App mode: those of shops that uninstalled the app stay (their jobs would be cancelled at once).
    const uninstalledShops = await operations.uninstalledShopDeadLetters(filter);
    const jobs = await operations.replayDeadLetters(filter, undefined, undefined, optionsPart(request));
    request.log.info({ jobs: jobs.length, handler: filter.handler ?? null }, 'dead letters replayed');
    // Without a handler filter, those of handlers removed from the config stay (nothing would run them).
    const notReplayed = filter.handler === undefined ? await operations.unconfiguredDeadLetters(filter) : [];
    // As backfill's answer: a disabled handler's replayed jobs wait until it is enabled.
    const disabled = (await operations.listHandlers()).filter((handler) => handler.disabled);
    const replayedBy = new Set(jobs.map((job) => job.handler));
    return {
      ok: true,
      replayed: jobs.length,
      jobs,
      notReplayed,
      uninstalledShops,
      handlerDisabledBy:
        filter.handler === undefined
          ? null
          : (disabled.find((handler) => handler.name === filter.handler)?.disabledBy ?? null),
      disabledHandlers:
        filter.handler === undefined
          ? disabled
              .filter((handler) => replayedBy.has(handler.name))
              .map((handler) => ({ handler: handler.name, disabledBy: handler.disabledBy }))
          : [],
    } satisfies DeadLetterReplayAnswer;
  });

  app.post('/prune', async (request) => {
    const prune = parseBodyOrQuery(PruneRequestSchemas, request);
    const result = await operations.prune(prune);
    if (!prune.dryRun) countPruned(app.metrics, result, 'admin');
    request.log.info(
      { prune: { ...prune, ...result, before: result.before.toISOString() } },
      prune.dryRun ? 'prune dry run' : 'deliveries pruned',
    );
    return { ok: true, dryRun: prune.dryRun ?? false, ...result };
  });

  registerRecoveryRoutes(app);
  registerErasureRoute(app);

  app.get('/handlers', async (request) => {
    parseRequestPart(NoQuerySchema, 'query', request.query);
    return { ok: true, items: await operations.listHandlers() };
  });

  app.post('/handlers/:name/enable', async (request) => {
    parseBodyOrQuery(NoOptionsSchemas, request);
    const { name } = parseRequestPart(HandlerParamsSchema, 'params', request.params);
    await operations.enableHandler(name);
    request.log.info({ handler: name }, 'handler enabled');
    return { ok: true, handler: name };
  });

  // The counterpart of enable (a maintenance window): no options either.
  app.post('/handlers/:name/disable', async (request) => {
    parseBodyOrQuery(NoOptionsSchemas, request);
    const { name } = parseRequestPart(HandlerParamsSchema, 'params', request.params);
    const { changed, state } = await operations.disableHandler(name);
    request.log.info(
      { handler: name, changed },
      changed ? 'handler disabled by an operator' : 'handler already disabled; left as it was',
    );
    return {
      ok: true,
      handler: name,
      alreadyDisabled: !changed,
      disabledBy: state.disabledBy,
      reason: state.reason,
      changedAt: state.changedAt,
    };
  });

  // After the guard like every route: without the token a wrong path or method is answered 401.
  app.setNotFoundHandler((request, reply) => wrongMethod.answer(request, reply));
};
