/**
 * The receiver config's rules that span several keys (a shop listed twice, an unknown handler name,
 * reconcile or app mode without a public URL, …). The schema applies them to a config whose keys are
 * each valid; zod skips an object's refinement once a key failed, so `crossFieldIssuesOfInput` applies
 * them to raw input too, over the keys that are valid on their own: one run reports every problem.
 */
import type { z } from 'zod';
import { AppConfigSchema } from '../app-mode/app-config.js';
import { SET_SHOP_CREDENTIALS, shopApiAuth, shopAuthIssues } from './shop-api-auth.js';

/** A cross-field problem: where (the config path) and what. */
export interface CrossFieldIssue {
  path: (string | number)[];
  message: string;
}

/** A shop as far as the rules read it (the parsed shop). */
interface CheckedShop {
  name: string;
  handlers: string[];
  reconcile: boolean;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

/**
 * What the rules read. `undefined` = that key is invalid (already reported): rules that need it are
 * skipped. A shop is `null` when it did not parse on its own (only its name, if text, is checked).
 */
export interface CrossFieldInput {
  bodyLimit: number | undefined;
  bodyHardLimit: number | undefined;
  /** The spool's size cap when the spool is on (spoolDir set), null when it is off; undefined when invalid. */
  spoolMaxBytes?: number | null | undefined;
  /** The publicUrl, null when not set; undefined when invalid. */
  publicUrl: string | null | undefined;
  /** The delivery URL secrets; undefined when invalid. */
  secrets?: string[] | undefined;
  /** The admin and metrics tokens, null when not set; undefined when invalid. */
  adminToken?: string | null | undefined;
  metricsToken?: string | null | undefined;
  /** The PostgreSQL URL and schema, null when not set; undefined when invalid. */
  databaseUrl: string | null | undefined;
  databaseSchema: string | null | undefined;
  /** The PostgreSQL pool size, null when not set; undefined when invalid. */
  databasePoolSize?: number | null | undefined;
  app: { handlers: string[] } | null | undefined;
  /**
   * The app's handler names as written when the app block is invalid (app undefined), each at its index
   * (null: not text, reported already): an unknown one is said with the block's own problems.
   */
  appHandlerNames?: (string | null)[] | undefined;
  handlerNames: string[] | undefined;
  shops: { name: unknown; shop: CheckedShop | null }[] | undefined;
}

const unknownHandler = (name: string, known: string[]) =>
  `unknown handler "${name}"; define it under "handlers" (defined: ${known.length ? known.join(', ') : 'none'})`;

export function crossFieldIssues(input: CrossFieldInput): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  const { bodyLimit, bodyHardLimit, publicUrl, app, handlerNames: known } = input;
  if (bodyLimit !== undefined && bodyHardLimit !== undefined && bodyHardLimit < bodyLimit) {
    issues.push({ path: ['bodyHardLimit'], message: `must be at least the body limit (${bodyLimit} bytes)` });
  }
  issues.push(...sharedCredentialIssues(input));
  // ignored, the receiver would open (or create) a SQLite file while the operator meant PostgreSQL
  const postgresOnly = { databaseSchema: input.databaseSchema, databasePoolSize: input.databasePoolSize };
  for (const [key, value] of Object.entries(postgresOnly)) {
    if (value === null || value === undefined || input.databaseUrl !== null) continue;
    issues.push({
      path: [key],
      message:
        'is for PostgreSQL only, and DATABASE_URL is not set (the store would be the SQLite file of SRHOOKS_DB): set DATABASE_URL too, or remove it',
    });
  }
  const { spoolMaxBytes } = input;
  if (bodyLimit !== undefined && typeof spoolMaxBytes === 'number' && spoolMaxBytes < bodyLimit) {
    issues.push({
      path: ['spoolMaxBytes'],
      message: `must be at least the body limit (${bodyLimit} bytes): a smaller spool cannot take a delivery of that size during a store outage, and /readyz/deliveries would report no room; raise it or lower the body limit`,
    });
  }
  if (known !== undefined) {
    (app ? app.handlers : (input.appHandlerNames ?? [])).forEach((name, index) => {
      if (name !== null && !known.includes(name))
        issues.push({ path: ['app', 'handlers', index], message: unknownHandler(name, known) });
    });
  }
  if (app) {
    if (publicUrl === null) {
      issues.push({
        path: ['publicUrl'],
        message: "app mode needs the receiver's public URL: installed shops get subscriptions to it",
      });
    }
  }
  const seen = new Set<unknown>();
  (input.shops ?? []).forEach(({ name, shop }, index) => {
    if (typeof name === 'string') {
      if (seen.has(name))
        issues.push({ path: ['shops', index, 'name'], message: `shop "${name}" is listed twice` });
      seen.add(name);
    }
    if (shop === null) return;
    for (const issue of shopAuthIssues(shop))
      issues.push({ path: ['shops', index, issue.field], message: issue.message });
    if (known !== undefined) {
      shop.handlers.forEach((handler, handlerIndex) => {
        if (!known.includes(handler))
          issues.push({
            path: ['shops', index, 'handlers', handlerIndex],
            message: unknownHandler(handler, known),
          });
      });
    }
    if (shop.reconcile) {
      if (!shopApiAuth(shop)) {
        issues.push({
          path: ['shops', index, shop.clientId ? 'clientSecret' : 'clientId'],
          message: `reconcile needs the shop API credentials: ${SET_SHOP_CREDENTIALS}`,
        });
      }
      if (publicUrl === null) {
        issues.push({
          path: ['publicUrl'],
          message: `shop "${shop.name}" has reconcile: true, which needs the receiver's public URL`,
        });
      }
    }
  });
  return issues;
}

/**
 * The rules over what was written rather than the parsed values, whose defaults hide whether a key was
 * set at all: run over the raw input (file and environment merged) on every parse, valid or not.
 * `defaults`: the schema's defaults — a parsed configuration given again (`{...config, port}`) carries
 * them as if written, and a default changes nothing.
 */
export function writtenKeyIssues(
  raw: Record<string, unknown>,
  defaults: { spoolMaxBytes: number },
): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  if (
    raw.spoolMaxBytes !== undefined &&
    raw.spoolMaxBytes !== defaults.spoolMaxBytes &&
    raw.spoolDir === undefined
  ) {
    // ignored: the spool is off, so the operator's size would limit nothing (QA: silently ignored before)
    issues.push({
      path: ['spoolMaxBytes'],
      message:
        "is the delivery spool's size, and SRHOOKS_SPOOL_DIR (spoolDir) is not set, so the spool is off and this would be ignored: set SRHOOKS_SPOOL_DIR too (a folder on persistent disk) to turn the spool on, or remove it",
    });
  }
  return issues;
}

const OWN_VALUE = 'give it a value of its own (openssl rand -base64 32)';

/**
 * One value for two credentials hands whoever holds the weaker one the stronger one's power: an admin
 * token that is also a URL secret lets its holder sign delivery URLs (forged orders); a metrics token
 * that is the admin token lets the scrape job use the admin API. Never quotes the values.
 */
function sharedCredentialIssues(input: CrossFieldInput): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  const { adminToken, metricsToken, secrets } = input;
  if (typeof adminToken === 'string' && secrets?.includes(adminToken)) {
    issues.push({
      path: ['adminToken'],
      message: `must differ from the delivery URL secrets (SRHOOKS_SECRETS): whoever holds the admin token could sign delivery URLs; ${OWN_VALUE}`,
    });
  }
  if (typeof metricsToken === 'string' && metricsToken === adminToken) {
    issues.push({
      path: ['metricsToken'],
      message: `must differ from the admin token: the scrape job that holds it (Prometheus's configuration) could use the admin API; ${OWN_VALUE}`,
    });
  } else if (typeof metricsToken === 'string' && secrets?.includes(metricsToken)) {
    issues.push({
      path: ['metricsToken'],
      message: `must differ from the delivery URL secrets (SRHOOKS_SECRETS): the scrape job that holds it could sign delivery URLs; ${OWN_VALUE}`,
    });
  }
  return issues;
}

/** The value `schema` makes of `value`, or undefined when it is invalid. */
function valid<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The cross-field rules over raw input whose parse failed: each key the rules read is parsed on its
 * own with its field schema from `shape` (defaults applied); an invalid one skips the rules that need it.
 * Handler names are the raw `handlers` keys (a handler with a bad definition is still defined).
 */
export function crossFieldIssuesOfInput(
  raw: Record<string, unknown>,
  shape: {
    bodyLimit: z.ZodType<number>;
    bodyHardLimit: z.ZodType<number>;
    spoolMaxBytes: z.ZodType<number>;
    publicUrl: z.ZodType<string | undefined>;
    secrets: z.ZodType<string[]>;
    adminToken: z.ZodType<string | undefined>;
    metricsToken: z.ZodType<string | undefined>;
    databaseUrl: z.ZodType<string | undefined>;
    databaseSchema: z.ZodType<string | undefined>;
    databasePoolSize: z.ZodType<number | undefined>;
  },
  shopSchema: z.ZodType<CheckedShop>,
): CrossFieldIssue[] {
  const publicUrl = valid(shape.publicUrl, raw.publicUrl);
  const app = raw.app === undefined ? null : valid(AppConfigSchema, raw.app);
  const rawHandlers = raw.handlers === undefined ? {} : raw.handlers;
  const rawShops = raw.shops === undefined ? [] : raw.shops;
  return crossFieldIssues({
    bodyLimit: valid(shape.bodyLimit, raw.bodyLimit),
    bodyHardLimit: valid(shape.bodyHardLimit, raw.bodyHardLimit),
    spoolMaxBytes: raw.spoolDir === undefined ? null : valid(shape.spoolMaxBytes, raw.spoolMaxBytes),
    publicUrl: raw.publicUrl === undefined ? null : publicUrl,
    secrets: valid(shape.secrets, raw.secrets),
    adminToken: raw.adminToken === undefined ? null : valid(shape.adminToken, raw.adminToken),
    metricsToken: raw.metricsToken === undefined ? null : valid(shape.metricsToken, raw.metricsToken),
    databaseUrl: raw.databaseUrl === undefined ? null : valid(shape.databaseUrl, raw.databaseUrl),
    databaseSchema: raw.databaseSchema === undefined ? null : valid(shape.databaseSchema, raw.databaseSchema),
    databasePoolSize:
      raw.databasePoolSize === undefined ? null : valid(shape.databasePoolSize, raw.databasePoolSize),
    app: app ?? (raw.app === undefined ? null : undefined),
    // an app block with another problem: its handler names are still checked
    appHandlerNames:
      app === undefined && isObject(raw.app) && Array.isArray(raw.app.handlers)
        ? raw.app.handlers.map((name) => (typeof name === 'string' ? name : null))
        : undefined,
    handlerNames: isObject(rawHandlers) ? Object.keys(rawHandlers) : undefined,
    shops: Array.isArray(rawShops)
      ? rawShops.map((shop) => ({
          name: isObject(shop) ? shop.name : undefined,
          shop: valid(shopSchema, shop) ?? null,
        }))
      : undefined,
  });
}
