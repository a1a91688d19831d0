/**
 * The inspector web UI, registered under `/ui`: server-rendered HTML (every value escaped, see html.ts),
 * its CSS and script served from here (no CDN), a live stream of store changes (SSE), and POST forms for
 * replay / release / re-process that carry the session's CSRF token. Protected by the admin guard:
 * pages redirect to the login form, fragments and the stream answer 401. This file holds what every
 * page shares (the guard, error pages, assets, the live stream); the pages' routes are in
 * list-routes.ts, delivery-routes.ts, erase-routes.ts, handler-routes.ts, shops-routes.ts and
 * inspector-login-routes.ts.
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminAuth } from '../admin/admin-auth.js';
import {
  AdminApiError,
  AdminValidationError,
  adminErrorAnswer,
  parseRequestPart,
} from '../admin/admin-errors.js';
import { addAdminGuard, CSRF_MESSAGES, throttledMessage } from '../admin/admin-guard.js';
import { AdminOperations } from '../admin/admin-operations.js';
import { NoQuerySchema } from '../admin/admin-request-schemas.js';
import type { CredentialThrottle } from '../admin/credential-throttle.js';
import type { SessionRevocations } from '../admin/session-revocations.js';
import { NOT_FOUND_BODY } from '../http/error-body.js';
import { knownClientError, routeBodyTooLargeMessage } from '../http/error-handler.js';
import { maskDecodeMessage } from '../personal-data/personal-data-mask.js';
import { StoreShutdownWaitError, StoreUnavailableError } from '../store/store-errors.js';
import { ActionNotices } from './action-notices.js';
import { addDeliveryRoutes } from './delivery-routes.js';
import { addEraseRoutes } from './erase-routes.js';
import { addHandlerRoutes } from './handler-routes.js';
import { html, type SafeHtml } from './html.js';
import { addFormBodies } from './inspector-forms.js';
import { addLoginRoutes, sessionOf } from './inspector-login-routes.js';
import { INSPECTOR_JS } from './inspector-script.js';
import { INSPECTOR_CSS, INSPECTOR_ICON_SVG } from './inspector-style.js';
import { addListRoutes } from './list-routes.js';
import { LiveStream } from './live-stream.js';
import { type InspectorView, renderPage } from './page-layout.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { addShopsRoutes } from './shops-routes.js';

export interface InspectorRoutesOptions {
  auth: AdminAuth;
  throttle: CredentialThrottle;
  revocations: SessionRevocations;
  /** SSE heartbeat interval (default 15 s). */
  heartbeatMs?: number;
}

const ERROR_HEADINGS: Record<number, string> = {
  404: 'Not found',
  413: 'Too large',
  429: 'Too many attempts',
};
/** The heading of a refused action's page (a POST form's route, by its end), unless its status has one. */
const ACTION_HEADINGS: Record<string, string> = {
  '/deliveries/:id/reprocess': 'Not re-processed',
  '/events/:id/replay': 'Not replayed',
  '/search': 'Not filtered',
  '/events/:id/release': 'Not released',
  '/events/:id/erase': 'Not erased',
  '/dead-letters/replay': 'Not replayed',
  '/handlers/:name/disable': 'Not disabled',
  '/handlers/:name/enable': 'Not enabled',
  '/shops/:shop/uninstall': 'Not marked uninstalled',
};
const HTML_TYPE = 'text/html; charset=utf-8';
/** The heading of a page refused for its address (a GET answered 400: only its path or query can be wrong). */
const ADDRESS_HEADING = 'Not a valid address';

/**
 * A page's address refused (an unknown query parameter, a value its field does not take, a malformed id
 * in its path), said in the page's terms: the admin API's words (`query: unknown field x; see … JSON
 * admin API`) point a browser user at an API they did not call.
 */
function addressProblem(error: AdminValidationError): string {
  if (error.unknownFields.length > 0) {
    const one = error.unknownFields.length === 1;
    return `The address has ${error.unknownFields.join(', ')}, which this page does not take: remove ${one ? 'it' : 'them'} from the address.`;
  }
  return error.field === null
    ? `The address ${error.problem}.`
    : `The address's ${error.field} ${error.problem}.`;
}

export const inspectorRoutes: FastifyPluginAsync<InspectorRoutesOptions> = async (app, options) => {
  const { auth, throttle, revocations } = options;
  const base = app.prefix;
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
  const live = new LiveStream({
    store: app.store,
    // A logout on another instance of the store ends this instance's streams of that session too.
    isRevoked: (session) => revocations.isRevoked(session),
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });
  app.addHook('preClose', async () => {
    live.close();
  });
  app.addHook('onClose', async () => {
    live.close();
  });

  function page(
    reply: FastifyReply,
    request: FastifyRequest,
    view: InspectorView,
    title: string,
    content: ReturnType<typeof html>,
    data: Record<string, string> = {},
  ): FastifyReply {
    return reply
      .type(HTML_TYPE)
      .send(renderPage({ base, title, view, session: sessionOf(request), content, data }));
  }

  function errorPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    message: string,
    more: SafeHtml | string = '',
  ): FastifyReply {
    reply.code(status);
    const route = request.routeOptions.url ?? '';
    const action =
      request.method === 'POST'
        ? Object.entries(ACTION_HEADINGS).find(([path]) => route.endsWith(path))?.[1]
        : undefined;
    const id = (request.params as { id?: unknown } | undefined)?.id;
    // A page about one delivery (or an action on it) leads back to that delivery, not only to the list;
    // not when it does not exist (404): that link would answer this same page again.
    const delivery =
      typeof id === 'string' &&
      /^dlv_[0-9a-z]+$/.test(id) &&
      route.includes('/deliveries/:id') &&
      status !== 404
        ? id
        : null;
    // The title says what happened, as the heading does ("Not found · …"), not only that it is an error.
    const heading =
      ERROR_HEADINGS[status] ??
      action ??
      (status === 400 && request.method === 'GET'
        ? ADDRESS_HEADING
        : status === 503
          ? 'Store unavailable'
          : 'Something went wrong');
    return page(
      reply,
      request,
      'error',
      heading,
      html`<h1>${heading}</h1><p class="notice error">${message}${more}</p><p>${delivery ? html`<a href="${base}/deliveries/${delivery}">Back to delivery ${delivery}</a> · ` : ''}<a href="${base}">Back to the deliveries</a></p>`,
    );
  }

  /** The inspector page a form was sent from (its same-origin Referer's path and query), if any. */
  function samePagePath(request: FastifyRequest): string | null {
    const referer = request.headers.referer;
    if (typeof referer !== 'string') return null;
    try {
      const from = new URL(referer);
      if (from.host !== request.headers.host) return null;
      return from.pathname === base || from.pathname.startsWith(`${base}/`)
        ? `${from.pathname}${from.search}`
        : null;
    } catch {
      return null;
    }
  }

  /**
   * A request for an address under the inspector that has no route, from a program (it does not accept
   * HTML: the CLI or a script given a URL with `/ui` in it): the receiver's uniform JSON 404, as before
   * the inspector had a page for it, so such a caller reads "not found", not a login redirect or a page.
   */
  function programNotFound(request: FastifyRequest): boolean {
    if (request.routeOptions.url !== undefined) return false;
    const accept = request.headers.accept ?? '';
    return !accept.includes('text/html');
  }

  function wantsPage(request: FastifyRequest): boolean {
    const url = request.routeOptions.url ?? '';
    return (
      // HEAD answers as GET does (RFC 9110 §9.3.2): a page's redirect to the login form
      (request.method === 'GET' || request.method === 'HEAD') &&
      !url.includes('/fragments/') &&
      !url.endsWith('/events/stream') &&
      !url.endsWith('/session')
    );
  }

  /** 429 for an address that sent too many wrong credentials (a page, or text for fragments and the stream). */
  function throttledAnswer(request: FastifyRequest, reply: FastifyReply, retryAfterSeconds: number) {
    reply.header('retry-after', String(retryAfterSeconds));
    const message = throttledMessage(throttle, retryAfterSeconds);
    if (wantsPage(request) || request.method === 'POST') return errorPage(request, reply, 429, message);
    return reply.code(429).type('text/plain; charset=utf-8').send(`${message}\n`);
  }

  addAdminGuard(app, {
    auth,
    throttle,
    revocations,
    throttled: throttledAnswer,
    publicUrl: app.config.publicUrl,
    unauthenticated: (request, reply) => {
      if (programNotFound(request)) return reply.code(404).send(NOT_FOUND_BODY);
      if (wantsPage(request)) {
        return reply.redirect(`${base}/login?next=${encodeURIComponent(request.url)}`, 303);
      }
      // Logging out of a session that has ended: it is over already.
      if (request.method === 'POST' && request.routeOptions.url === `${base}/logout`) {
        return reply.redirect(`${base}/login`, 303);
      }
      // A button pressed on a page left open after its session ended (logout, expiry, a new admin
      // token): a page saying nothing was done, with the way back to the page it was pressed on.
      if (request.method === 'POST') {
        const back = `${base}/login?next=${encodeURIComponent(samePagePath(request) ?? base)}`;
        return errorPage(
          request,
          reply,
          401,
          'Your session has ended (logged out, expired, or the admin token changed): nothing was done. ',
          html`<a href="${back}">Log in again</a>, then press it again.`,
        );
      }
      return reply.code(401).type('text/plain; charset=utf-8').send('Log in first: open /ui/login.\n');
    },
    forbidden: (request, reply, failure) => errorPage(request, reply, 403, CSRF_MESSAGES[failure]),
  });

  // 16 KiB whatever the Content-Type (also on the public login form), named by the 413 page.
  addFormBodies(app);

  // A form action's options are its form's fields. A query string on the POST
  // (`/dead-letters/replay?handler=erp`) reads like a filter and would be ignored — every dead letter
  // replayed — so it is refused; the pages' forms never send one.
  app.addHook('preHandler', async (request) => {
    if (request.method !== 'POST') return;
    const fields = Object.keys((request.query ?? {}) as object);
    if (fields.length === 0) return;
    throw new AdminApiError(
      400,
      'invalid_request',
      `query: ${fields.join(', ')} given to a form action, which takes its options from the form's own fields only: use the form on the page, not an address with a query`,
      { in: 'query', field: fields[0] },
    );
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  // An address under the inspector with no page (a mistyped or cut link): a page saying so, after the
  // login like any page; other methods get the receiver's uniform JSON refusal.
  app.setNotFoundHandler((request, reply) => {
    if (request.method !== 'GET' || programNotFound(request)) return reply.code(404).send(NOT_FOUND_BODY);
    const path = request.url.split('?')[0] ?? request.url;
    return errorPage(
      request,
      reply,
      404,
      `The inspector has no page at ${path.length > 200 ? `${path.slice(0, 200)}…` : path}: the link may be mistyped or cut.`,
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AdminValidationError && error.where !== 'body' && wantsPage(request)) {
      return errorPage(request, reply, 400, addressProblem(error));
    }
    // A page that only reads: the store's own words are for a write ("Nothing was stored"), which here
    // sounded as if a delivery had been lost. A form action keeps them (nothing was done).
    if (
      error instanceof StoreUnavailableError &&
      !error.damaged &&
      !(error instanceof StoreShutdownWaitError) &&
      request.method !== 'POST'
    ) {
      return errorPage(
        request,
        reply,
        503,
        `The event store did not answer (${error.detail}), so this page cannot be shown now: reload it once the database is reachable again.`,
      );
    }
    const answer = adminErrorAnswer(error);
    if (answer) {
      // A re-process that still fails quotes the decode error: what the sender sent stays hidden here.
      const { code, message } = answer.body.error;
      const { resource, id } = answer.body.error as { resource?: unknown; id?: unknown };
      const shown =
        code === 'still_undecodable'
          ? maskDecodeMessage(message)
          : code === 'not_found' &&
              (resource === 'delivery' || resource === 'event') &&
              typeof id === 'string'
            ? // The admin API's words point at its own list route; here the page says what may have happened.
              `No ${resource} with id "${id}" exists: retention may have deleted it, or the link is mistyped. Search for its order on the Deliveries page.`
            : code === 'unknown_handler' && resource === 'handler' && typeof id === 'string'
              ? `No handler "${id}" is configured: the link may be mistyped, or the handler was removed from the configuration. The Handlers page lists the configured handlers.`
              : message;
      return errorPage(request, reply, answer.status, shown);
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return errorPage(request, reply, 413, routeBodyTooLargeMessage(request.routeOptions.bodyLimit ?? 0));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return errorPage(request, reply, status, knownClientError(error.code)?.[1] ?? error.message);
    }
    request.log.error({ err: error }, 'inspector error');
    return errorPage(
      request,
      reply,
      500,
      `Internal error (request ${request.id}); the details are in the receiver's log.`,
    );
  });

  // --- assets (public), login and logout ------------------------------------------------------------------

  app.get('/assets/inspector.css', { config: { adminPublic: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(INSPECTOR_CSS),
  );
  app.get('/assets/inspector.js', { config: { adminPublic: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(INSPECTOR_JS),
  );

  app.get('/assets/icon.svg', { config: { adminPublic: true } }, async (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'max-age=86400').send(INSPECTOR_ICON_SVG),
  );

  addLoginRoutes(app, { auth, throttle, revocations, live, page, errorPage, throttledAnswer });

  // --- live stream ----------------------------------------------------------------------------------

  app.get('/events/stream', async (request, reply) => {
    parseRequestPart(NoQuerySchema, 'query', request.query);
    // HEAD (fastify answers it with this route): the stream's headers and no stream, which would never end.
    if (request.method === 'HEAD') {
      return reply.code(200).type('text/event-stream; charset=utf-8').send();
    }
    reply.hijack();
    live.attach(reply.raw, { ...SECURITY_HEADERS }, sessionOf(request));
    request.log.debug({ clients: live.clientCount }, 'inspector live stream opened');
  });

  // 204 while the browser's session holds, 401 (from the guard) once it ended: an open page asks this
  // when its stream fails in a way EventSource does not explain (a reconnect answered 401 or 503).
  app.get('/session', async (request, reply) => {
    parseRequestPart(NoQuerySchema, 'query', request.query);
    return reply.code(204).send();
  });

  // --- the deliveries list (list-routes.ts) and one delivery's page and actions (delivery-routes.ts) ---

  addListRoutes(app, { page, operations, auth });
  // Every page's notice after an action (action-notices.ts): one-time tokens held by this registration.
  const notices = new ActionNotices();
  const { backToDelivery } = addDeliveryRoutes(app, { page, operations, notices });

  // --- erasing an event's personal data (erase-routes.ts) -------------------------------------------

  addEraseRoutes(app, { page, operations, backToDelivery });

  // --- dead letters and handlers (handler-routes.ts) -------------------------------------------------

  addHandlerRoutes(app, { page, operations, notices });

  // --- shops: the shops page, and marking an app shop uninstalled (shops-routes.ts) ------------------------

  addShopsRoutes(app, { page, notices });
};
