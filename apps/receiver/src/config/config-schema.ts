/**
 * The receiver's configuration: one zod schema for the merged result of `srhooks.config.json`
 * and the environment (env wins, see load-config.ts). Keys are camelCase; every key is
 * documented in the receiver's docs/configuration.md.
 */
import { WebhookSpecEntrySchema } from '@srhooks/client';
import { isValidShopName, MIN_SECRET_LENGTH, publicBaseUrlProblem, WEBHOOK_EVENTS } from '@srhooks/contracts';
import { z } from 'zod';
import { AppConfigSchema } from '../app-mode/app-config.js';
import { parseCidr } from '../ingest/ip-allow-list.js';
import { type CrossFieldIssue, crossFieldIssues, crossFieldIssuesOfInput } from './config-cross-checks.js';
import { DEFAULT_MAX_CONNECTIONS, MAX_MAX_CONNECTIONS } from './connection-limits.js';
import { databaseUrlProblem } from './database-url.js';
import { HandlersConfigSchema, oneOf } from './handler-config-schema.js';
import { HostSchema, TrustProxySchema } from './listen-schemas.js';
import { LONGER_THAN_A_TIMER, MAX_TIMER_MS } from './milliseconds.js';

// The handler schemas live in handler-config-schema.ts; importers of the configuration find them here too.
export {
  AmqpHandlerConfigSchema,
  ForwardHandlerConfigSchema,
  type HandlerConfig,
  HandlerConfigSchema,
  type HandlerType,
  LogHandlerConfigSchema,
  ModuleHandlerConfigSchema,
  NatsHandlerConfigSchema,
  RedisStreamHandlerConfigSchema,
} from './handler-config-schema.js';

export const DEFAULT_BODY_LIMIT = 2 * 1024 * 1024;
export const DEFAULT_BODY_HARD_LIMIT = 64 * 1024 * 1024;
/** PostgreSQL connections in a receiver's pool by default (`databasePoolSize`). */
export const DEFAULT_DATABASE_POOL_SIZE = 10;

/** What the delivery spool (`spoolDir`) may hold at most by default: 1 GiB. */
export const DEFAULT_SPOOL_MAX_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_SQLITE_FILE = './data/srhooks.db';

const WebhookEventSchema = z.enum(WEBHOOK_EVENTS, { error: oneOf(WEBHOOK_EVENTS) });

export const ShopConfigSchema = z.strictObject({
  /** The shop's ShopRenter name (`{name}.api2.myshoprenter.hu`). */
  name: z.string().refine((name) => isValidShopName(name), {
    error: 'must be a ShopRenter shop name: lowercase letters, digits and hyphens',
  }),
  /** Events this receiver subscribes to on that shop (used by reconcile), with default settings. */
  events: z.array(WebhookEventSchema).default([]),
  /**
   * Subscriptions with their own settings (type, fields, delay, label, enabled; `url` omitted =
   * this receiver's signed URL), as `srhooks webhooks sync` reads them from the same file. Used by
   * reconcile together with `events`.
   */
  webhooks: z.array(WebhookSpecEntrySchema).default([]),
  /** The shop's API credentials: OAuth client credentials (recommended)… */
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  /** …or the legacy HTTP Basic auth API user and password (ShopRenter's legacy API, FACTS.md §1). */
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /**
   * API base URL override (default https://{name}.api2.myshoprenter.hu/api; with username/password
   * the legacy https://{name}.api.myshoprenter.hu).
   */
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** OAuth token URL override (default https://oauth.app.shoprenter.net/{name}/app/token). */
  tokenUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Register/update this receiver's subscriptions on the shop at start-up. */
  reconcile: z.boolean().default(false),
  /** Fetch each order back from the API before handlers run (part 2). */
  verify: z.boolean().default(false),
  /**
   * Recovery: read orders (and subscribers) the shop's deliveries never brought back from its API
   * and store them as events (`source: "recovery"`). On by default for a shop with API credentials
   * (clientId and clientSecret, or username and password); needs the `order.order:read` scope.
   */
  recovery: z.boolean().default(true),
  /** Names of handlers (keys of the top-level `handlers`) that process this shop's events. */
  handlers: z.array(z.string()).default([]),
});
export type ShopConfig = z.infer<typeof ShopConfigSchema>;

const MISSING_SECRETS =
  'set at least one secret (SRHOOKS_SECRETS, comma-separated, newest first), e.g. `openssl rand -base64 32`';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ReceiverConfigSchema = z
  .strictObject({
    port: z.int().min(0).max(65535).default(3000),
    host: HostSchema.default('0.0.0.0'),
    /** Secrets for the signed delivery URLs, newest first: the first signs new URLs, all are accepted. */
    secrets: z
      .array(
        z
          .string()
          .min(
            MIN_SECRET_LENGTH,
            `each secret must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`,
          ),
        { error: (issue) => (issue.input === undefined ? MISSING_SECRETS : 'must be a list of strings') },
      )
      .min(1, MISSING_SECRETS),
    adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
    /**
     * When set, `GET /metrics` answers only requests with `Authorization: Bearer <metricsToken>` (a
     * Prometheus scrape job's `authorization` credentials); without it `/metrics` is open.
     */
    metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
    /**
     * Wrong admin credentials one address may send within 5 minutes before its credentialed requests are
     * refused (429) until the oldest failure is 5 minutes old; 0 turns the throttle off.
     */
    adminMaxFailures: z.int().min(0).max(100_000).default(10),
    /** SQLite database file (used when `databaseUrl` is not set). */
    db: z.string().min(1).default(DEFAULT_SQLITE_FILE),
    /** PostgreSQL connection string; when set, PostgreSQL is the store. */
    databaseUrl: z
      .string()
      .superRefine((url, ctx) => {
        const problem = databaseUrlProblem(url);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /** PostgreSQL schema for the receiver's tables (default: the connection's search_path). */
    databaseSchema: z
      .string()
      .regex(
        /^[a-z_][a-z0-9_]{0,62}$/,
        'must be a lowercase SQL identifier: 1 to 63 characters a-z, 0-9 and _, not starting with a digit, e.g. srhooks',
      )
      // PostgreSQL reserves pg_* for itself: CREATE SCHEMA refuses them ("unacceptable schema name")
      .refine(
        (name) => !name.startsWith('pg_'),
        'must not start with pg_ (PostgreSQL reserves those names), e.g. srhooks',
      )
      .optional(),
    /**
     * PostgreSQL connections each receiver process keeps at most in its pool (its change feed's LISTEN
     * connection comes on top): several receivers on one database need receivers × (this + 1) of the
     * server's max_connections (PostgreSQL's default is 100). Default DEFAULT_DATABASE_POOL_SIZE (10).
     */
    databasePoolSize: z
      .int({ error: 'must be a whole number of connections, e.g. 10' })
      .min(1, 'must be at least 1 (connections)')
      .max(1000, 'must be at most 1000 (connections)')
      .optional(),
    /**
     * Public base URL of this receiver as the shop reaches it, e.g. https://hooks.example.com; a path
     * prefix is allowed, a query string or fragment is refused (contracts' publicBaseUrlProblem, the
     * rule the CLI applies too).
     */
    publicUrl: z
      .string({ error: 'must be an http(s) URL such as https://hooks.example.com' })
      .superRefine((url, ctx) => {
        const problem = publicBaseUrlProblem(url);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    bodyLimit: z
      .int()
      .min(1024, 'must be at least 1024 bytes')
      .max(64 * 1024 * 1024, 'must be at most 64 MiB')
      .default(DEFAULT_BODY_LIMIT),
    /**
     * Hard cap on a delivery's body: an authentic delivery over `bodyLimit` but within this cap is
     * stored raw in quarantine (`too_large`) instead of being refused; over it, 413 (before the upload
     * when the sender asks with `Expect: 100-continue`).
     */
    bodyHardLimit: z
      .int()
      .min(1024, 'must be at least 1024 bytes')
      .max(1024 * 1024 * 1024, 'must be at most 1 GiB')
      .default(DEFAULT_BODY_HARD_LIMIT),
    /** CIDRs (IPv4/IPv6) allowed to POST deliveries; absent = everyone. */
    allowIps: z
      .array(
        z.string().refine((cidr) => parseCidr(cidr) !== null, {
          error: 'must be an IPv4/IPv6 address or CIDR such as 203.0.113.0/24 or 2001:db8::/32',
        }),
      )
      // `SRHOOKS_ALLOW_IPS=,` or `[]` allows no address at all: every delivery would be refused (403)
      .min(
        1,
        'must list at least one IPv4/IPv6 address or CIDR (an empty list would refuse every delivery); to allow every address, remove it',
      )
      .optional(),
    /**
     * Client connections the receiver keeps open at once (Node's `server.maxConnections`, on every server it
     * listens with); one more is closed on arrival, unanswered. Absent: http/connection-limit.ts's default
     * (1000, at most half the process's open-file limit), so a flood of idle connections cannot take the
     * file descriptors the store needs to write a delivery it accepted.
     */
    maxConnections: z
      .int({ error: `must be a whole number of connections, e.g. ${DEFAULT_MAX_CONNECTIONS}` })
      .min(
        1,
        `must be at least 1 (connections), e.g. ${DEFAULT_MAX_CONNECTIONS}; 0 does not turn the cap off: remove the setting for the default`,
      )
      .max(MAX_MAX_CONNECTIONS, `must be at most ${MAX_MAX_CONNECTIONS} (connections)`)
      .optional(),
    /** Which reverse proxies' X-Forwarded-For to believe for the remote address (default: none). */
    trustProxy: TrustProxySchema.default(false),
    logLevel: z.enum(LOG_LEVELS, { error: oneOf(LOG_LEVELS) }).default('info'),
    /** A store call that takes longer than this is answered 503 (the delivery is not acknowledged). */
    storeTimeoutMs: z
      .int()
      .positive()
      .max(120_000, 'must be at most 120000 (milliseconds: 2 minutes)')
      .default(5000),
    /**
     * The delivery spool (spool/): when set, an authentic delivery the store cannot take (store_unavailable)
     * is written durably to this folder and acknowledged, then moved into the store once it is reachable
     * again. One folder per receiver, on persistent disk. Absent: off (such a delivery is answered 503).
     */
    spoolDir: z
      .string({ error: 'must be the path of a folder, e.g. /var/lib/srhooks/spool' })
      .trim()
      .min(1, 'must be the path of a folder, e.g. /var/lib/srhooks/spool')
      .refine((path) => !path.includes('\0'), 'must not contain a NUL character')
      .optional(),
    /** Most bytes the spool's files may take together; a delivery that does not fit is answered 503. */
    spoolMaxBytes: z
      .int({ error: 'must be a whole number of bytes, e.g. 1073741824 (or 1gb in the environment)' })
      .min(1024 * 1024, 'must be at least 1 MiB')
      .max(1024 ** 4, 'must be at most 1 TiB')
      .default(DEFAULT_SPOOL_MAX_BYTES),
    /** Graceful shutdown gives in-flight requests this long before the process exits anyway. */
    shutdownTimeoutMs: z.int().positive().max(MAX_TIMER_MS, LONGER_THAN_A_TIMER).default(10_000),
    /**
     * How long a worker owns a claimed job before another worker (or this one after a restart) may
     * run it again. Running jobs renew it; it only matters after a crash, when it is how long the
     * interrupted jobs wait.
     */
    jobLeaseMs: z
      .int()
      .min(1000, 'must be at least 1000 (milliseconds: 1 s)')
      .max(3_600_000, 'must be at most 3600000 (milliseconds: 1 hour)')
      .default(60_000),
    /**
     * Retention: deliveries older than this many days are deleted with their events and jobs (hourly),
     * except those with unfinished jobs or dead letters. Absent: everything is kept.
     */
    retentionDays: z.int().min(1).max(36_500).optional(),
    /** Recovery runs at start-up and then every this many minutes (0: only at start-up and on demand). */
    recoveryIntervalMinutes: z.int().min(0).max(10_080).default(10),
    /** The first pass (no watermark yet) and a pass after a long outage read at most this many days back. */
    recoveryLookBackDays: z.int().min(1).max(365).default(3),
    /** Each pass re-reads this many seconds before its watermark (clock skew, late commits in the shop). */
    recoveryOverlapSeconds: z.int().min(0).max(86_400).default(300),
    shops: z.array(ShopConfigSchema).default([]),
    /** App mode: the backend of a ShopRenter platform app (see app-mode/app-config.ts). */
    app: AppConfigSchema.optional(),
    handlers: HandlersConfigSchema.default({}),
  })
  .superRefine(
    (config, ctx) => {
      const issues = crossFieldIssues({
        ...config,
        spoolMaxBytes: config.spoolDir === undefined ? null : config.spoolMaxBytes,
        publicUrl: config.publicUrl ?? null,
        adminToken: config.adminToken ?? null,
        metricsToken: config.metricsToken ?? null,
        databaseUrl: config.databaseUrl ?? null,
        databaseSchema: config.databaseSchema ?? null,
        databasePoolSize: config.databasePoolSize ?? null,
        app: config.app ?? null,
        handlerNames: Object.keys(config.handlers),
        shops: config.shops.map((shop) => ({ name: shop.name, shop })),
      });
      for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue });
      // Only over a config whose every key is valid: zod would otherwise run this over a key that failed a
      // non-aborting check (a body limit of 100 GiB, over its maximum) and blame another key for it (the
      // default hard limit "must be at least the body limit"). A failed parse gets the cross-field rules
      // over the keys valid on their own instead (configCrossFieldIssues, load-config.ts).
    },
    { when: (payload) => payload.issues.length === 0 },
  );

/**
 * The cross-field rules over raw input whose parse failed (zod skipped them): every problem is
 * reported in one run, not the cross-field ones only after the others were fixed.
 */
export function configCrossFieldIssues(raw: Record<string, unknown>): CrossFieldIssue[] {
  const {
    bodyLimit,
    bodyHardLimit,
    spoolMaxBytes,
    publicUrl,
    databaseUrl,
    databaseSchema,
    databasePoolSize,
  } = ReceiverConfigSchema.shape;
  const { secrets, adminToken, metricsToken } = ReceiverConfigSchema.shape;
  return crossFieldIssuesOfInput(
    raw,
    {
      bodyLimit,
      bodyHardLimit,
      spoolMaxBytes,
      publicUrl,
      secrets,
      adminToken,
      metricsToken,
      databaseUrl,
      databaseSchema,
      databasePoolSize,
    },
    ShopConfigSchema,
  );
}

/** What `srhooks.config.json` and the environment provide, before defaults. */
export type ReceiverConfigInput = z.input<typeof ReceiverConfigSchema>;
/** The validated configuration with defaults applied. */
export type ReceiverConfig = z.output<typeof ReceiverConfigSchema>;
