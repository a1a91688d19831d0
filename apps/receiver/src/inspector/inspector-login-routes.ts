/**
 * The inspector's login form (public: GET shows it, POST checks the admin token and sets the session
 * cookie, behind the same-origin check and the wrong-credential throttle) and logout (ends the session on
 * every instance of the store and its open live streams). Registered by inspector-routes.ts, whose page
 * helpers, error page and throttled answer they share.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type AdminAuth, type AdminSession, sessionCookieName } from '../admin/admin-auth.js';
import { CSRF_MESSAGES, identify, recordWrongCredential, throttledFor } from '../admin/admin-guard.js';
import { serializeCookie } from '../admin/cookies.js';
import type { CredentialThrottle } from '../admin/credential-throttle.js';
import { checkSameOrigin, secureCookieFor } from '../admin/same-origin.js';
import type { SessionRevocations } from '../admin/session-revocations.js';
import type { html } from './html.js';
import type { LiveStream } from './live-stream.js';
import { loginContent, safeNext } from './login-page.js';
import type { InspectorView } from './page-layout.js';

const LoginFormSchema = z.object({ token: z.string().optional(), next: z.string().optional() }).loose();

/** The browser session a request came with (null for a bearer token or none). */
export function sessionOf(request: FastifyRequest): AdminSession | null {
  return request.admin?.via === 'session' ? request.admin.session : null;
}

export interface LoginRoutesContext {
  auth: AdminAuth;
  throttle: CredentialThrottle;
  revocations: SessionRevocations;
  live: LiveStream;
  page(
    reply: FastifyReply,
    request: FastifyRequest,
    view: InspectorView,
    title: string,
    content: ReturnType<typeof html>,
  ): FastifyReply;
  errorPage(request: FastifyRequest, reply: FastifyReply, status: number, message: string): FastifyReply;
  throttledAnswer(request: FastifyRequest, reply: FastifyReply, retryAfterSeconds: number): FastifyReply;
}

export function addLoginRoutes(app: FastifyInstance, context: LoginRoutesContext): void {
  const { auth, throttle, revocations, live, page, errorPage, throttledAnswer } = context;
  const base = app.prefix;

  app.get('/login', { config: { adminPublic: true } }, async (request, reply) => {
    const next = safeNext(base, (request.query as { next?: unknown }).next);
    const identity = identify(auth, request, secureCookieFor(request, app.config.publicUrl));
    if (identity !== null && identity !== 'invalid') return reply.redirect(next, 303);
    return page(reply, request, 'login', 'Log in', loginContent({ base, next, error: null }));
  });

  app.post('/login', { config: { adminPublic: true } }, async (request, reply) => {
    const form = LoginFormSchema.safeParse(request.body ?? {});
    const next = safeNext(base, form.success ? form.data.next : undefined);
    // Login CSRF: a foreign page must not log a browser into this receiver.
    if (checkSameOrigin(request, app.config.publicUrl) !== 'same-origin') {
      request.log.warn(
        { remoteAddress: request.ip, origin: request.headers.origin },
        'cross-origin login refused',
      );
      return errorPage(request, reply, 403, CSRF_MESSAGES.cross_origin);
    }
    const waitSeconds = throttledFor(app, throttle, request);
    if (waitSeconds > 0) return throttledAnswer(request, reply, waitSeconds);
    const token = form.success ? (form.data.token ?? '') : '';
    if (!auth.isAdminToken(token)) {
      recordWrongCredential(app, throttle, request, true);
      request.log.warn({ remoteAddress: request.ip }, 'inspector login with a wrong admin token');
      reply.code(401);
      return page(
        reply,
        request,
        'login',
        'Log in',
        loginContent({ base, next, error: 'Wrong admin token.' }),
      );
    }
    throttle.succeed(request.ip);
    const { cookieValue, maxAgeSeconds } = auth.createSession();
    request.log.info({ remoteAddress: request.ip }, 'inspector login');
    const secure = secureCookieFor(request, app.config.publicUrl);
    return reply
      .header(
        'set-cookie',
        serializeCookie(sessionCookieName(secure), cookieValue, { maxAge: maxAgeSeconds, secure }),
      )
      .redirect(next, 303);
  });

  app.post('/logout', async (request, reply) => {
    const session = sessionOf(request);
    if (session) {
      auth.revoke(session);
      // Its open live streams end now (the browser's reconnect then gets 401).
      live.endSession(session.id);
      // Every instance on this store refuses the session from now on (a copied cookie included).
      await revocations.revoke(session).catch((error: unknown) => {
        request.log.warn(
          { err: error },
          'logout not recorded in the store (unavailable): other instances accept this session until it expires',
        );
      });
    }
    const secure = secureCookieFor(request, app.config.publicUrl);
    return reply
      .header('set-cookie', serializeCookie(sessionCookieName(secure), '', { maxAge: 0, secure }))
      .redirect(`${base}/login`, 303);
  });
}
