/**
 * App mode's configuration (`app` in srhooks.config.json; SRHOOKS_APP_* variables override its
 * secrets): the receiver becomes the backend of a ShopRenter platform app installed on many shops
 * (FACTS.md §7, §8). Shops come from the store as they install the app, next to those of `shops`.
 */
import { WebhookSpecEntrySchema } from '@srhooks/client';
import { WEBHOOK_EVENTS } from '@srhooks/contracts';
import { z } from 'zod';

const PATH = z
  .string()
  .regex(/^\/[A-Za-z0-9/_.-]*$/, 'must be a path such as /app/install')
  .refine(
    (path) => !path.startsWith('/hooks/') && !path.startsWith('/admin') && !path.startsWith('/inspector'),
    {
      error: 'must not be under /hooks, /admin or /inspector (the receiver uses those)',
    },
  );

/**
 * A URL template with `{shop}`: an http(s) URL once a shop name is filled in. Checked at start: a template
 * that is no URL (`{shop}.myshoprenter.hu/admin`) failed every entry call (500) and sent the installing owner
 * to a path on the receiver itself.
 */
const shopTemplate = (example: string) =>
  z
    .string()
    .refine((value) => value.includes('{shop}'), { error: 'must contain {shop}' })
    .refine(
      (value) => {
        if (!value.includes('{shop}')) return true;
        const filled = forShop(value, 'my-shop');
        return URL.canParse(filled) && /^https?:$/.test(new URL(filled).protocol);
      },
      { error: `must be an http(s) URL with {shop} where the shop's name goes, such as ${example}` },
    );

const ENTRY_POINT_WORDS =
  'must be "inspector" (the receiver\'s own page in the shop admin) or an http(s) URL of the app\'s own UI, such as https://app.example.com/{shop}';

export const AppConfigSchema = z
  .strictObject({
    /** The AppId ShopRenter gave the app (the admin shows it at /admin/app/{appId}). */
    appId: z.union([z.string().min(1), z.int().nonnegative()]).transform(String),
    clientId: z.string().min(1, 'the app’s ClientId is required'),
    clientSecret: z
      .string()
      .min(1, 'the app’s ClientSecret is required (it also verifies every app request)'),
    /** Payment API: verifies notifications. Without it the payment route is off. */
    webhookSecretKey: z.string().min(1).optional(),
    /** The subscriptions every installed shop gets, as in `shops[].events` / `shops[].webhooks`. */
    events: z
      .array(z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(', ')}` }))
      .default([]),
    webhooks: z.array(WebhookSpecEntrySchema).default([]),
    /** Handlers (names under top-level `handlers`) for every installed shop's events, app events included. */
    handlers: z.array(z.string()).default([]),
    installPath: PATH.default('/app/install'),
    entryPath: PATH.default('/app/entry'),
    uninstallPath: PATH.default('/app/uninstall'),
    paymentPath: PATH.default('/app/payments'),
    /** How far an app request's `timestamp` (and a notification's `time`) may be from now. */
    timestampToleranceSeconds: z.int().min(1).max(86_400).default(300),
    /** The shop's admin; `app_url` must lie under `{adminUrl}/app/`, and it is the only frame ancestor allowed. */
    adminUrl: shopTemplate('https://{shop}.myshoprenter.hu/admin').default(
      'https://{shop}.myshoprenter.hu/admin',
    ),
    /** API and token URL templates for installed shops (default ShopRenter's). */
    apiUrl: shopTemplate('https://{shop}.api2.myshoprenter.hu/api').optional(),
    tokenUrl: shopTemplate('https://oauth.app.shoprenter.net/{shop}/app/token').optional(),
    /** Recorded with each install. */
    appVersion: z.string().max(64).optional(),
    /**
     * Entry point: `inspector` (default) serves the shop-scoped inspector in the admin iframe; a URL
     * (template with {shop}) redirects the verified owner to the app's own UI instead, with `shop`,
     * `session` and `expires` query parameters (and the request's own unsigned parameters, e.g. a deep
     * link's, beside the URL's own) (check them with `verifyShopSession`, offline; whether the
     * shop still has the app: `GET {entryPath}/session` with the same parameters, 403 `shop_uninstalled`).
     */
    entryPoint: z
      .union([
        z.literal('inspector'),
        z.url({
          protocol: /^https?$/,
          error: ENTRY_POINT_WORDS,
        }),
      ])
      .default('inspector'),
    /**
     * Order recovery for every installed shop (as `shops[].recovery`): reads back the orders whose
     * deliveries never arrived, from the shop's install time on. Default true.
     */
    recovery: z.boolean().default(true),
    /** Seconds between background retries of pending installs (doubling per failure, at most an hour). */
    retryIntervalSeconds: z.int().min(1).max(3600).default(60),
    /**
     * How long the install call waits for its API step (token + subscriptions) before redirecting the shop
     * owner anyway; a slower step finishes in the background (install-call-step.ts). 0: redirect at once.
     */
    installWaitSeconds: z.number().min(0).max(30).default(3),
  })
  .superRefine((app, context) => {
    // The three GET routes (and the entry point's own pages under entryPath/) need paths of their own: two
    // alike failed the start with fastify's "Method 'GET' already declared for route …", naming no key.
    const routes = [
      ['installPath', app.installPath],
      ['uninstallPath', app.uninstallPath],
      ['entryPath', app.entryPath],
    ] as const;
    const entryPages = `${app.entryPath.replace(/\/+$/, '')}/`;
    for (const [index, [key, path]] of routes.entries()) {
      const same = routes.slice(0, index).find(([, other]) => other === path);
      if (same)
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `must differ from app.${same[0]} (both are ${path}): each app route needs a path of its own`,
        });
      else if (key !== 'entryPath' && path.startsWith(entryPages))
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `must not be under app.entryPath (${app.entryPath}), whose pages live there; choose another path such as /app/${key === 'installPath' ? 'install' : 'uninstall'}`,
        });
    }
  });

export type AppConfig = z.output<typeof AppConfigSchema>;

/** Fills `{shop}` in a URL template. */
export function forShop(template: string, shop: string): string {
  return template.replaceAll('{shop}', shop);
}
