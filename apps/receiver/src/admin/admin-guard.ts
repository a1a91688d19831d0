/**
 * Authentication and CSRF protection for the admin API and the inspector, as two fastify hooks added to
 * an encapsulated plugin (every route of that plugin is protected unless its route config says
 * `adminPublic: true`):
 *
 * - onRequest: `Authorization: Bearer <admin token>` or a valid session cookie, else the plugin's
 *   `unauthenticated` answer (401 JSON / redirect to the login form). A wrong bearer token is refused
 *   even when a valid cookie is present. Nothing of an unauthenticated request's body is read. Wrong
 *   bearer tokens count against the address in the shared {@link CredentialThrottle} (so do wrong
 *   tokens in the login form); a throttled address gets the plugin's `throttled` answer (429) for any
 *   request presenting a credential, unchecked. A session logged out on any instance of the store is
 *   refused like a missing one (see SessionRevocations).
 * - preHandler (after the body is parsed): a state-changing request authenticated by the cookie must
 *   come from this receiver's own origin (Origin, else Referer) and carry the session's CSRF token in
 *   the `x-csrf-token` header or the `_csrf` form field. Bearer requests need neither: browsers never
 *   attach a bearer token on their own.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AdminAuth, type AdminSession, sessionCookieName } from './admin-auth.js';
import { readCookie } from './cookies.js';
import type { CredentialThrottle } from './credential-throttle.js';
import { checkSameOrigin, secureCookieFor } from './same-origin.js';
import type { SessionRevocations } from './session-revocations.js';

export type AdminIdentity = { via: 'bearer' } | { via: 'session'; session: AdminSession };

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the admin guard let in (null before the guard ran or on public routes). */
    admin: AdminIdentity | null;
  }
  interface FastifyContextConfig {
    /** The admin guard lets this route through without credentials (login form, static assets). */
    adminPublic?: boolean;
  }
}

export type CsrfFailure = 'cross_origin' | 'csrf_missing' | 'csrf_invalid';

export const CSRF_MESSAGES: Record<CsrfFailure, string> = {
  cross_origin:
    'Refused: this state-changing request does not come from the receiver’s own pages (Origin/Referer check). Use the inspector itself, or the admin API with an Authorization: Bearer token.',
  csrf_missing:
    'Refused: the CSRF token is missing. Send the x-csrf-token header (or the _csrf form field) from the page you are on, or use an Authorization: Bearer token.',
  csrf_invalid: 'Refused: the CSRF token does not belong to this session. Reload the page and try again.',
};

export interface AdminGuardOptions {
  auth: AdminAuth;
  throttle: CredentialThrottle;
  /** Sessions logged out on any instance of this store. */
  revocations: SessionRevocations;
  publicUrl: string | undefined;
  unauthenticated(request: FastifyRequest, reply: FastifyReply): FastifyReply;
  /** The address sent too many wrong credentials: 429, try again in `retryAfterSeconds`. */
  throttled(request: FastifyRequest, reply: FastifyReply, retryAfterSeconds: number): FastifyReply;
  forbidden(request: FastifyRequest, reply: FastifyReply, failure: CsrfFailure): FastifyReply;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether the request carries an admin credential at all (a bearer token or a session cookie). `secure`:
 * whether the session cookie is `Secure` on this request (same-origin.ts `secureCookieFor`), which names
 * it; on https a cookie under the plain name is not the receiver's (a sibling subdomain can set one).
 */
function presentsCredential(request: FastifyRequest, secure: boolean): boolean {
  return (
    request.headers.authorization !== undefined ||
    readCookie(request.headers.cookie, sessionCookieName(secure)) !== null
  );
}

/** Seconds `request`'s address must wait (counted as a throttled refusal), or 0 when it may try. */
export function throttledFor(
  app: FastifyInstance,
  throttle: CredentialThrottle,
  request: FastifyRequest,
): number {
  const waitMs = throttle.retryAfterMs(request.ip);
  if (waitMs === 0) return 0;
  app.metrics.adminRefusals.inc({ reason: 'throttled' });
  return Math.ceil(waitMs / 1000);
}

/** A wrong credential: refused and counted; `guess` (a wrong admin token) also counts for the throttle. */
export function recordWrongCredential(
  app: FastifyInstance,
  throttle: CredentialThrottle,
  request: FastifyRequest,
  guess: boolean,
): void {
  if (guess) throttle.fail(request.ip);
  app.metrics.adminRefusals.inc({ reason: 'wrong_credentials' });
}

/** The message of a throttled request's 429. */
export function throttledMessage(throttle: CredentialThrottle, retryAfterSeconds: number): string {
  return (
    `Too many wrong admin credentials from this address (${throttle.maxFailures} within ` +
    `${Math.round(throttle.windowMs / 60_000)} minutes): refused without checking for ${retryAfterSeconds} s more. ` +
    'Check SRHOOKS_ADMIN_TOKEN, then try again.'
  );
}

/**
 * The identity a request proves, `null` when it presents no credential, `invalid` for a wrong one.
 * `secure` as for presentsCredential.
 */
export function identify(
  auth: AdminAuth,
  request: FastifyRequest,
  secure: boolean,
): AdminIdentity | null | 'invalid' {
  const bearer = auth.checkBearer(request.headers.authorization);
  if (bearer === 'valid') return { via: 'bearer' };
  if (bearer === 'invalid') return 'invalid';
  const cookie = readCookie(request.headers.cookie, sessionCookieName(secure));
  if (cookie === null) return null;
  const session = auth.readSession(cookie);
  return session ? { via: 'session', session } : 'invalid';
}

function csrfTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body;
  if (body !== null && typeof body === 'object' && '_csrf' in body) {
    const field = (body as { _csrf: unknown })._csrf;
    if (typeof field === 'string') return field;
  }
  return undefined;
}

/** Adds the guard's hooks to `app` (an encapsulated plugin instance). */
export function addAdminGuard(app: FastifyInstance, options: AdminGuardOptions): void {
  const { auth, throttle, revocations, publicUrl } = options;
  app.decorateRequest('admin', null);

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.adminPublic) return;
    const secure = secureCookieFor(request, publicUrl);
    if (presentsCredential(request, secure)) {
      const waitSeconds = throttledFor(app, throttle, request);
      if (waitSeconds > 0) return options.throttled(request, reply, waitSeconds);
    }
    const identity = identify(auth, request, secure);
    if (identity === null || identity === 'invalid') {
      if (identity === 'invalid') {
        // Only a wrong bearer token is a guess worth counting. A bad session cookie is a MAC nobody
        // can guess, and most often a page left open across an admin token change, whose live
        // stream would otherwise lock its own address out within seconds.
        recordWrongCredential(app, throttle, request, request.headers.authorization !== undefined);
        request.log.warn(
          { remoteAddress: request.ip, url: request.routeOptions.url },
          'admin request with a wrong token or session refused',
        );
      }
      return options.unauthenticated(request, reply);
    }
    if (identity.via === 'session' && (await revocations.isRevoked(identity.session))) {
      request.log.warn(
        { remoteAddress: request.ip, url: request.routeOptions.url },
        'admin request with a logged-out session refused',
      );
      return options.unauthenticated(request, reply);
    }
    request.admin = identity;
  });

  app.addHook('preHandler', async (request, reply) => {
    const identity = request.admin;
    if (identity?.via !== 'session' || SAFE_METHODS.has(request.method)) return;
    if (checkSameOrigin(request, publicUrl) !== 'same-origin') {
      request.log.warn(
        { remoteAddress: request.ip, origin: request.headers.origin },
        'cross-origin admin request refused',
      );
      return options.forbidden(request, reply, 'cross_origin');
    }
    const token = csrfTokenOf(request);
    if (token === undefined || token === '') return options.forbidden(request, reply, 'csrf_missing');
    if (!auth.checkCsrf(identity.session, token)) return options.forbidden(request, reply, 'csrf_invalid');
  });
}
