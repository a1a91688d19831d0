import {
  specFromEntry,
  type WebhookSpec,
  type WebhookSpecEntry,
  WebhookSpecEntrySchema,
} from '@srhooks/client/api';
import {
  isUsableSecret,
  isValidShopName,
  MIN_SECRET_LENGTH,
  publicBaseUrlProblem,
  shopDeliveryUrlPrefix,
  signDeliveryUrl,
  WEBHOOK_EVENTS,
} from '@srhooks/contracts';
import { meantName } from '@srhooks/contracts/meant-name';
import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { usageError } from '../cli-error.js';
import { checkSignedUrlTarget } from '../delivery/url-event.js';
import { readInputFile } from '../input-file.js';
import { issuePath } from '../issue-text.js';
import { parseJsonInput } from '../json-input.js';
import { assertUsableSecrets, secretsFromEnv } from './receiver-secrets.js';
import { shopNameIn } from './shop-name.js';

/**
 * `srhooks.config.json` as `webhooks sync` reads it — the receiver's own config file, so one file
 * serves both:
 *
 * ```json
 * { "publicUrl": "https://hooks.example.com",
 *   "shops": [ { "name": "demo", "events": ["order_status_change"],
 *                "webhooks": [ { "event": "order_confirm", "fields": ["order_innerId"] } ] } ] }
 * ```
 *
 * A webhook without `url` gets the signed receiver URL for (shop, event) under `publicUrl`,
 * signed with the first secret of `SRHOOKS_SECRETS` (or of `secrets`); a shop's `events` are
 * webhooks with defaults. `receiver: {publicUrl, secrets}` is still read (older CLI files) but the
 * receiver refuses that key, so prefer the top-level ones. Other keys (handlers, …) are ignored.
 */

/**
 * Keys of a shop entry that only the receiver reads (its `ShopConfigSchema`, a strict object): allowed
 * here, not read. Any other key is refused, as the receiver refuses it — so a misspelt `webhooks`
 * never reads as "no webhooks", which `--prune` would turn into deleting every subscription.
 */
const RECEIVER_ONLY_SHOP_KEYS = [
  'handlers',
  'clientId',
  'clientSecret',
  'username',
  'password',
  'apiUrl',
  'tokenUrl',
  'reconcile',
  'verify',
  'recovery',
] as const;

const ShopEntrySchema = z.strictObject({
  name: z.string().refine((name) => isValidShopName(name), {
    error: 'must be a ShopRenter shop name: lowercase letters, digits and hyphens',
  }),
  webhooks: z.array(WebhookSpecEntrySchema).optional(),
  /** The receiver config's shorthand: subscribe these events with defaults. */
  events: z
    .array(z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(', ')}` }))
    .optional(),
  ...Object.fromEntries(RECEIVER_ONLY_SHOP_KEYS.map((key) => [key, z.unknown().optional()])),
});
const SHOP_ENTRY_KEYS = ['name', 'webhooks', 'events', ...RECEIVER_ONLY_SHOP_KEYS];

const ReceiverSchema = z.looseObject({
  publicUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  secrets: z.array(z.string()).optional(),
});

export const SyncConfigSchema = z.looseObject({
  receiver: ReceiverSchema.optional(),
  publicUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  secrets: z.array(z.string()).optional(),
  shops: z.array(ShopEntrySchema).min(1, 'list at least one shop: [{"name": "my-shop", "webhooks": […]}]'),
});
export type SyncConfig = z.infer<typeof SyncConfigSchema>;

export interface ShopDesiredState {
  shop: string;
  webhooks: WebhookSpec[];
  /** Where each of `webhooks` comes from in the file, index for index: `shops[0].webhooks[1] (order_confirm)`. */
  sources: string[];
  /** `{publicUrl}/hooks/{shop}/`: subscriptions under it are this receiver's (as its reconcile counts them). */
  receiverPrefix: string | undefined;
  /** The receiver secrets known here (`SRHOOKS_SECRETS`, else the file's), newest first. */
  secrets: string[];
}

const EXPECTED: Record<string, string> = {
  array: 'a list',
  object: 'a JSON object',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * zod's own wording for a missing or mistyped key ("Invalid input: expected array, received
 * undefined") in plain words: "is missing (a list of shops: …)", "must be a JSON object".
 */
function plainIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const typed = issue.code === 'invalid_type';
  const expected = typed ? String((issue as { expected?: unknown }).expected) : '';
  const what =
    typed && issue.path.length === 1 && issue.path[0] === 'shops' && expected === 'array'
      ? 'a list of shops: [{"name": "my-shop", "webhooks": […]}]'
      : (EXPECTED[expected] ?? expected);
  if (issue.path.length > 0 && valueAt(raw, issue.path) === undefined) {
    return typed ? `is missing (${what})` : `is missing: ${issue.message}`;
  }
  return typed ? `must be ${what}` : issue.message;
}

/**
 * Receiver config keys near "shops" that are not typos of it (the file is the receiver's config too):
 * `host` is 3 edits from `shops`, so only keys at most 2 edits away count, and never these.
 */
const NOT_SHOPS_TYPOS = new Set(['host', 'port']);

/** A top-level key of a file without `shops` that is most likely `shops` misspelt, if any. */
function misspeltShopsKey(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || 'shops' in raw) return undefined;
  return Object.keys(raw).find(
    (key) =>
      !NOT_SHOPS_TYPOS.has(key) &&
      (key.toLowerCase() === 'shops' || distance(key.toLowerCase(), 'shops') <= 2),
  );
}

/** A receiver config in app mode (`app`) whose `shops` is absent or empty. */
function isAppModeWithoutShops(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const record = raw as Record<string, unknown>;
  const app = record.app;
  if (typeof app !== 'object' || app === null || Array.isArray(app)) return false;
  return record.shops === undefined || (Array.isArray(record.shops) && record.shops.length === 0);
}

export async function readSyncConfig(path: string): Promise<SyncConfig> {
  const text = await readInputFile(
    `-f ${path}`,
    path,
    'check the path, or pass the config file with -f FILE (format: "webhooks sync" in the CLI command reference, docs/commands.md)',
  );
  const raw = parseJsonInput(text, {
    source: `-f ${path}`,
    code: 'config_invalid',
    hint: 'then run webhooks sync again (format: "webhooks sync" in the CLI command reference, docs/commands.md)',
  });
  const parsed = SyncConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issuePath(issue.path) : '';
    const unknownShopKey =
      issue?.code === 'unrecognized_keys' && issue.path.length === 2 ? issue.keys[0] : undefined;
    if (unknownShopKey !== undefined) {
      const nearest = meantName(unknownShopKey, SHOP_ENTRY_KEYS);
      throw usageError(
        `${path}: ${where} has an unknown key "${unknownShopKey}"`,
        `${nearest ? `did you mean "${nearest}"? ` : ''}a shop entry takes ${SHOP_ENTRY_KEYS.join(', ')}; nothing was changed`,
        'config_invalid',
      );
    }
    // an app-mode file (the receiver's `app` block) without shops: nothing of it is for sync to do
    if (isAppModeWithoutShops(raw)) {
      throw usageError(
        `${path} configures a platform app ("app") and lists no shops: webhooks sync subscribes the shops under "shops" with their own API credentials; the shops that install the app are subscribed by the receiver itself, at install, to app.events / app.webhooks`,
        'nothing to sync and nothing was changed: see the installed shops and their subscriptions with srhooks shops --receiver URL; list a shop under "shops" only for a shop with its own API client',
        'app_mode_config',
      );
    }
    // no "shops" but a key near it ("shop", "Shops"): name the key given and the one meant, not "shops is missing"
    const misspeltShops = misspeltShopsKey(raw);
    if (misspeltShops !== undefined) {
      throw usageError(
        `${path}: unknown key "${misspeltShops}" and no "shops"`,
        'did you mean "shops"? the file lists its shops under "shops": [{"name": "my-shop", "webhooks": […]}]; nothing was changed',
        'config_invalid',
      );
    }
    // a misspelt choice (an event name): the one meant, as the command line's event options say it
    const given = issue ? valueAt(raw, issue.path) : undefined;
    const choices = issue?.code === 'invalid_value' ? issue.values.filter((v) => typeof v === 'string') : [];
    const shopName = issue?.path.length === 3 && issue.path[0] === 'shops' && issue.path[2] === 'name';
    // a misspelt choice, or a shop's address (or capitalised name) given for its name: the name meant
    const meant =
      typeof given === 'string' && choices.length > 0
        ? meantName(given, choices)
        : typeof given === 'string' && shopName
          ? shopNameIn(given)
          : undefined;
    throw usageError(
      `${path}: ${where ? `${where} ` : ''}${issue ? plainIssue(issue, raw) : 'invalid'}`,
      `${meant ? `did you mean "${meant}"? ` : ''}fix the file (format: "webhooks sync" in the CLI command reference, docs/commands.md)`,
      'config_invalid',
    );
  }
  return parsed.data;
}

/**
 * The subscriptions each shop should have, URLs filled in. `env` provides `SRHOOKS_SECRETS` and
 * `SRHOOKS_PUBLIC_URL` (they win over the file, as for the receiver).
 */
export function desiredState(
  config: SyncConfig,
  env: Record<string, string | undefined>,
  file: string,
): ShopDesiredState[] {
  const publicUrl = env.SRHOOKS_PUBLIC_URL?.trim() || config.receiver?.publicUrl || config.publicUrl;
  // the receiver's publicUrl rule (contracts): a query string or fragment is refused, never dropped
  const publicUrlProblem = publicUrl ? publicBaseUrlProblem(publicUrl) : null;
  if (publicUrlProblem !== null) {
    const source = env.SRHOOKS_PUBLIC_URL?.trim()
      ? 'SRHOOKS_PUBLIC_URL'
      : `${file}: ${config.receiver?.publicUrl ? 'receiver.publicUrl' : 'publicUrl'}`;
    throw usageError(`${source} "${publicUrl}" ${publicUrlProblem}`, undefined, 'invalid_public_url');
  }
  // every entry checked as the receiver checks it (listen, url and webhooks list refuse one too short)
  const secrets = assertUsableSecrets(secretsFromEnv(env));
  const known =
    [secrets, config.receiver?.secrets ?? [], config.secrets ?? []].find((list) => list.length > 0) ?? [];
  const secret = known[0];
  const seen = new Set<string>();
  return config.shops.map((shop, shopIndex) => {
    if (seen.has(shop.name))
      throw usageError(`${file}: shop "${shop.name}" is listed twice`, undefined, 'config_invalid');
    seen.add(shop.name);
    const entries: WebhookSpecEntry[] = [
      ...(shop.webhooks ?? []),
      ...(shop.events ?? []).map((event) => ({ event })),
    ];
    const listed = shop.webhooks?.length ?? 0;
    const sources = entries.map((entry, index) =>
      index < listed
        ? `shops[${shopIndex}].webhooks[${index}] (${entry.event})`
        : `shops[${shopIndex}].events[${index - listed}] (${entry.event})`,
    );
    const webhooks = entries.map((entry, index): WebhookSpec => {
      const where = `${file}: ${sources[index]}`;
      let url = entry.url;
      if (url) {
        checkSignedUrlTarget(
          url,
          shop.name,
          entry.event,
          `${where} url`,
          `leave "url" out to have sync sign the ${entry.event} URL, or give the ${entry.event} URL (srhooks url --shop ${shop.name} --event ${entry.event} --base …)`,
        );
      } else {
        if (!publicUrl) {
          throw usageError(
            `${where} has no url and no publicUrl is set`,
            'add "publicUrl": "https://hooks.example.com" to the file (or set SRHOOKS_PUBLIC_URL), or give the webhook a "url"',
            'config_invalid',
          );
        }
        if (!secret) {
          throw usageError(
            `${where} has no url, and no secret to sign the receiver URL`,
            "set SRHOOKS_SECRETS to the receiver's secrets (comma-separated, newest first)",
            'no_secret',
          );
        }
        if (!isUsableSecret(secret)) {
          throw usageError(
            `the receiver secret is too short (at least ${MIN_SECRET_LENGTH} characters)`,
            "use the receiver's SRHOOKS_SECRETS value",
            'weak_secret',
          );
        }
        url = signDeliveryUrl(publicUrl, { shop: shop.name, event: entry.event }, secret);
      }
      return specFromEntry(entry, url);
    });
    const receiverPrefix = publicUrl ? shopDeliveryUrlPrefix(publicUrl, shop.name) : undefined;
    return { shop: shop.name, webhooks, sources, receiverPrefix, secrets: [...known] };
  });
}
