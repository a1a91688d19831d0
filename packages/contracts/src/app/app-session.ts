import { z } from 'zod';

/**
 * The receiver's app-session check (`GET {entryPath}/session`, app mode): the answers an app's own UI
 * gets when it asks whether the session it was opened with still holds. One definition for the receiver
 * (which sends them) and the client's `checkAppSession` (which reads them). srhooks' own API, not
 * ShopRenter's.
 */

/** A platform app's state on one shop, as the receiver keeps it. */
export const APP_SHOP_STATUSES = ['pending', 'installed', 'uninstalled'] as const;
export type AppShopStatus = (typeof APP_SHOP_STATUSES)[number];

/** 200: the session is genuine, in time, and its shop still has the app (`pending`: the install step is still running or being retried). */
export const AppSessionValidSchema = z.object({
  ok: z.literal(true),
  shop: z.string().min(1),
  status: z.enum(['pending', 'installed']),
  /** ISO 8601: when the session runs out. */
  expiresAt: z.iso.datetime(),
});
export type AppSessionValid = z.infer<typeof AppSessionValidSchema>;

/**
 * Why a session is refused: `invalid_session` (401: missing, malformed, or not signed by this app),
 * `session_expired` (401: genuine but out of time — the merchant opens the app again), `shop_uninstalled`
 * (403: genuine, but the shop uninstalled the app since; must not be honoured).
 */
export const APP_SESSION_REFUSALS = ['invalid_session', 'session_expired', 'shop_uninstalled'] as const;
export type AppSessionRefusal = (typeof APP_SESSION_REFUSALS)[number];

/** 401/403: the receiver's uniform error body with one of `APP_SESSION_REFUSALS`. */
export const AppSessionRefusedSchema = z.looseObject({
  ok: z.literal(false),
  error: z.looseObject({
    code: z.enum(APP_SESSION_REFUSALS),
    message: z.string(),
    shop: z.string().optional(),
    uninstalledAt: z.iso.datetime().optional(),
  }),
});
export type AppSessionRefused = z.infer<typeof AppSessionRefusedSchema>;

/**
 * Why the receiver could not check a session for now: `store_unavailable` (503, with `Retry-After`: its
 * event store, which holds the shops' install state, cannot be read — an outage, or the receiver
 * stopping). Not an answer about the session: neither honour nor end it on this, ask again shortly.
 */
export const APP_SESSION_UNAVAILABLE = ['store_unavailable'] as const;
export type AppSessionUnavailableCode = (typeof APP_SESSION_UNAVAILABLE)[number];

/** 503: the receiver's uniform error body with one of `APP_SESSION_UNAVAILABLE`. */
export const AppSessionUnavailableSchema = z.looseObject({
  ok: z.literal(false),
  error: z.looseObject({
    code: z.enum(APP_SESSION_UNAVAILABLE),
    message: z.string(),
  }),
});
export type AppSessionUnavailable = z.infer<typeof AppSessionUnavailableSchema>;
