/**
 * The inspector's dead letters (`GET /ui/dead-letters`, "Replay all" as `POST /ui/dead-letters/replay`)
 * and handlers (`GET /ui/handlers`, Disable / Enable as `POST /ui/handlers/:name/disable|enable`): the
 * admin API's operations from forms that carry the session's CSRF token (checked by the admin guard).
 * Registered by inspector-routes.ts, whose page helper it shares.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseRequestPart } from '../admin/admin-errors.js';
import type { AdminOperations } from '../admin/admin-operations.js';
import { HandlerParamsSchema } from '../admin/admin-request-schemas.js';
import { ACTION_NOTICE_PARAM, type ActionNotices, deadLetterFilterSubject } from './action-notices.js';
import { DEAD_LETTER_PAGE_SIZE, DeadLetterPageQuerySchema, deadLettersContent } from './dead-letters-page.js';
import { type HandlerActionResult, HandlersPageQuerySchema, handlersContent } from './handlers-page.js';
import { DeadLetterReplayFormSchema, HandlerActionFormSchema } from './inspector-forms.js';
import { sessionOf } from './inspector-login-routes.js';
import type { ShopsRoutesContext } from './shops-routes.js';

export interface HandlerRoutesContext {
  page: ShopsRoutesContext['page'];
  operations: AdminOperations;
  /** The inspector's action notices (action-notices.ts), shared by its pages. */
  notices: ActionNotices;
}

export function addHandlerRoutes(app: FastifyInstance, context: HandlerRoutesContext): void {
  const { page, operations, notices } = context;
  const base = app.prefix;

  app.get('/dead-letters', async (request, reply) => {
    const query = parseRequestPart(DeadLetterPageQuerySchema, 'query', request.query);
    const { items, nextCursor, total } = await operations.deadLetterPage({
      limit: DEAD_LETTER_PAGE_SIZE,
      ...(query.handler ? { handler: query.handler } : {}),
      ...(query.from ? { from: query.from } : {}),
      ...(query.to ? { to: query.to } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    const handlers = app.handlers.entries().map(([name]) => name);
    // Dead letters of handlers removed from the config: "Replay all" leaves them (nothing would run them).
    const unconfigured = (
      await operations.unconfiguredDeadLetters({
        ...(query.from ? { from: query.from } : {}),
        ...(query.to ? { to: query.to } : {}),
      })
    ).filter((left) => !query.handler || left.handler === query.handler);
    // App mode: those of shops that uninstalled the app stay as well (their jobs would be cancelled at once).
    const uninstalledShops = await operations.uninstalledShopDeadLetters({
      ...(query.handler ? { handler: query.handler } : {}),
      ...(query.from ? { from: query.from } : {}),
      ...(query.to ? { to: query.to } : {}),
    });
    const session = sessionOf(request);
    // Shown once, to the session that pressed "Replay all", on the filter it replayed; anything else shows none.
    const replayedCount =
      notices.take('dead-letters', query.notice, {
        sessionId: session?.id ?? null,
        subject: deadLetterFilterSubject(query),
      })?.replayed ?? null;
    return page(
      reply,
      request,
      'dead-letters',
      'Dead letters',
      deadLettersContent({
        base,
        session,
        query,
        items,
        nextCursor,
        total,
        handlers,
        unconfigured,
        uninstalledShops,
        replayedCount,
      }),
    );
  });

  app.post('/dead-letters/replay', async (request, reply) => {
    const form = parseRequestPart(DeadLetterReplayFormSchema, 'body', request.body);
    const jobs = await operations.replayDeadLetters({
      ...(form.handler ? { handler: form.handler } : {}),
      ...(form.from ? { from: new Date(form.from) } : {}),
      ...(form.to ? { to: new Date(form.to) } : {}),
    });
    request.log.info({ jobs: jobs.length }, 'dead letters replayed from the inspector');
    // Back to the filter replayed, saying how many were queued: by a one-time token this process holds
    // (action-notices.ts), not the count, which anyone could have put in a link.
    const back = new URLSearchParams();
    if (form.handler) back.set('handler', form.handler);
    if (form.from) back.set('from', form.from);
    if (form.to) back.set('to', form.to);
    back.set(
      ACTION_NOTICE_PARAM,
      notices.issue(
        'dead-letters',
        { replayed: jobs.length },
        {
          sessionId: sessionOf(request)?.id ?? null,
          subject: deadLetterFilterSubject({
            handler: form.handler,
            from: form.from ? new Date(form.from) : undefined,
            to: form.to ? new Date(form.to) : undefined,
          }),
        },
      ),
    );
    if (form.reveal) back.set('reveal', '1');
    return reply.redirect(`${base}/dead-letters?${back.toString()}`, 303);
  });

  // --- handlers -------------------------------------------------------------------------------------

  app.get('/handlers', async (request, reply) => {
    const query = parseRequestPart(HandlersPageQuerySchema, 'query', request.query);
    const session = sessionOf(request);
    // Shown once, to the session that pressed Disable or Enable; anything else shows none.
    const notice = notices.take('handlers', query.notice, { sessionId: session?.id ?? null, subject: '' });
    const [handlers, backlog] = await Promise.all([operations.listHandlers(), operations.handlerBacklog()]);
    const appHandlers = new Set(app.config.app?.handlers ?? []);
    return page(
      reply,
      request,
      'handlers',
      'Handlers',
      handlersContent({
        base,
        session,
        notice,
        handlers,
        backlog,
        shopsOf: (handler) =>
          app.config.shops.filter((shop) => shop.handlers.includes(handler)).map((shop) => shop.name),
        appHandler: (handler) => appHandlers.has(handler),
      }),
    );
  });

  /** The handlers page with the action's notice, by a one-time token this process holds (action-notices.ts). */
  function backToHandlers(request: FastifyRequest, handler: string, done: HandlerActionResult): string {
    const token = notices.issue(
      'handlers',
      { handler, done },
      { sessionId: sessionOf(request)?.id ?? null, subject: '' },
    );
    return `${base}/handlers?${new URLSearchParams({ [ACTION_NOTICE_PARAM]: token })}`;
  }

  // The admin API's operations (POST /admin/api/handlers/:name/disable and /enable), from a form.
  app.post('/handlers/:name/disable', async (request, reply) => {
    const { name } = parseRequestPart(HandlerParamsSchema, 'params', request.params);
    parseRequestPart(HandlerActionFormSchema, 'body', request.body);
    const { changed } = await operations.disableHandler(name);
    request.log.info(
      { handler: name, changed },
      changed
        ? 'handler disabled by an operator from the inspector'
        : 'handler already disabled; left as it was',
    );
    return reply.redirect(backToHandlers(request, name, changed ? 'disabled' : 'already-disabled'), 303);
  });

  app.post('/handlers/:name/enable', async (request, reply) => {
    const { name } = parseRequestPart(HandlerParamsSchema, 'params', request.params);
    parseRequestPart(HandlerActionFormSchema, 'body', request.body);
    const before = (await operations.listHandlers()).find((handler) => handler.name === name);
    await operations.enableHandler(name);
    request.log.info({ handler: name }, 'handler enabled from the inspector');
    return reply.redirect(
      backToHandlers(request, name, before?.disabled === false ? 'already-enabled' : 'enabled'),
      303,
    );
  });
}
