import { join } from 'node:path';
import { isWebhookEvent, WEBHOOK_EVENTS, type WebhookEvent } from '@srhooks/contracts/events';
import { publicBaseUrlProblem, signDeliveryUrl } from '@srhooks/contracts/receiver-path';
import { maskedNote } from '../admin-api/personal-data.js';
import { usageError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { defineCommand } from '../command.js';
import { refuseBadPort } from '../config/bad-port.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { CredentialStore } from '../config/credential-store.js';
import { DEFAULT_LISTEN_PORT } from '../config/listen-defaults.js';
import {
  clearListenRunning,
  loadListenSecrets,
  readListenRunning,
  recordListenRunning,
} from '../config/listen-secrets.js';
import { type ListenShopAccess, listenShopAccess } from '../config/listen-shop-credentials.js';
import { assertUsableSecrets, firstSecret, secretsFromEnv } from '../config/receiver-secrets.js';
import { envClientCredentialsSet } from '../config/resolve-shop.js';
import { assertShopName } from '../config/shop-name.js';
import { unknownEventError } from '../event-name.js';
import { watchDeliveries } from '../live/delivery-feed.js';
import { listenApiFailureReason } from '../live/listen-api-advice.js';
import { listenLimitAdvice, listenTooLargeMessage, parseListenBodyLimit } from '../live/listen-body-limit.js';
import { type EmbeddedReceiver, startEmbeddedReceiver } from '../live/start-receiver.js';
import type { Output } from '../output/index.js';
import { parseHttpUrl } from '../url-option.js';
import { unusableDb } from './listen-db-error.js';

export interface ListenOptions {
  port?: number;
  host?: string;
  /** Shops to print URLs for (default: SRHOOKS_SHOP, else the stored shops, else demo). */
  shop?: string[];
  /** Only these events: their URLs are printed and their deliveries shown. */
  events?: string[];
  /** Forward every event, signed per Standard Webhooks, to this URL. */
  forwardTo?: string;
  /**
   * Without --forward-to: handle every event with the console handler, whose outcome listen prints
   * (so `events replay` shows something). `--no-console` (false): store only, no handler.
   */
  console?: boolean;
  /** SQLite file (default: listen.db in the config dir). */
  db?: string;
  /** Base of the printed URLs when the shop reaches this machine through a tunnel. */
  publicUrl?: string;
  /** URL secret (default: SRHOOKS_SECRETS' first entry, else the one kept in listen.json). */
  secret?: string;
  /** Print decode errors' quoted values and handler error texts unmasked (personal data). */
  reveal?: boolean;
  /**
   * The largest body decoded as it arrives (`2mb`, `512kb`, bytes), as the receiver reads
   * SRHOOKS_BODY_LIMIT; larger authentic ones are stored raw, quarantined too_large. Default 2mb.
   */
  bodyLimit?: string;
}

export interface ListenResult {
  stopped: NodeJS.Signals;
  deliveries: number;
}

interface ListenStart {
  type: 'listening';
  url: string;
  db: string;
  /** The largest body decoded as it arrives, in bytes (`--body-limit`, default the receiver's 2 MiB). */
  bodyLimit: number;
  urls: { shop: string; event: WebhookEvent; url: string }[];
  forwardTo: string | null;
  forwardSecret: string | null;
  /** The handler every event gets: `forward`, `console`, or none. */
  handler: string | null;
  /**
   * Per shop: the API credentials it serves (for `recover` and handlers' `ctx.client`): how it logs in
   * and where they came from (`srhooks login`'s store, the `SRHOOKS_CLIENT_*` variables, or both).
   */
  credentials: { shop: string; login: ListenShopAccess['login']; source: ListenShopAccess['source'] }[];
  /** The inspector's URL, null without the admin API. */
  inspector: string | null;
  /** The admin token to log in to the inspector with (listen.json's), null without the admin API. */
  adminToken: string | null;
  /** Whether the lines show personal data unmasked (`--reveal`). */
  revealed: boolean;
}

/** What `--reveal` adds to listen's lines. */
const REVEALED_TEXTS = "decode errors' quoted values and handler error texts";

const FORWARD_HANDLER = 'forward';
/** A `log` handler whose JSON lines are dropped: its outcome line in the feed is the console output. */
const CONSOLE_HANDLER = 'console';

function listenHandler(options: ListenOptions): string | null {
  if (options.forwardTo) return FORWARD_HANDLER;
  return options.console === false ? null : CONSOLE_HANDLER;
}

function defaultShops(env: Record<string, string | undefined>, stored: string[]): string[] {
  if (env.SRHOOKS_SHOP?.trim()) return [env.SRHOOKS_SHOP.trim()];
  return stored.length > 0 ? [...stored].sort() : ['demo'];
}

const LOGIN_NAMES = { oauth: 'OAuth client credentials', basic: 'legacy Basic auth' } as const;
/** Where a shop's credentials came from: `srhooks login` names the stored login (a thing), not a command to run. */
const SOURCE_NAMES = {
  store: `from ${productName('login')}`,
  env: 'from SRHOOKS_CLIENT_ID/SRHOOKS_CLIENT_SECRET',
  'env+store': `from SRHOOKS_CLIENT_ID/SRHOOKS_CLIENT_SECRET and ${productName('login')}`,
} as const;

function credentialLines(credentials: ListenStart['credentials']): string[] {
  const groups = new Map<string, string[]>();
  const none: string[] = [];
  for (const entry of credentials) {
    if (entry.login === 'none' || !entry.source) {
      none.push(entry.shop);
      continue;
    }
    const how = `${LOGIN_NAMES[entry.login]}, ${SOURCE_NAMES[entry.source]}`;
    groups.set(how, [...(groups.get(how) ?? []), entry.shop]);
  }
  const lines = [...groups].map(
    ([how, shops]) =>
      `API credentials for ${shops.join(', ')} (${how}): srhooks recover reads the shop's API with them (checked only then)`,
  );
  if (none.length > 0)
    lines.push(
      `no API credentials for ${none.join(', ')}: run srhooks login --shop ${none.length === 1 ? none[0] : '…'} --client-id … --client-secret … and restart listen for srhooks recover`,
    );
  return lines;
}

/** `2 MiB`, `512 KiB`, or bytes when not a whole number of either. */
function sizeText(bytes: number): string {
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * `SRHOOKS_CLIENT_ID`/`SRHOOKS_CLIENT_SECRET` are one shop's API client: listen takes them only when
 * it serves one shop, never sending one shop's secret to another shop's token endpoint.
 */
function checkEnvCredentialsShops(shops: string[], env: Record<string, string | undefined>): void {
  if (shops.length > 1 && envClientCredentialsSet(env)) {
    throw usageError(
      `SRHOOKS_CLIENT_ID / SRHOOKS_CLIENT_SECRET are one shop’s API client, but listen serves ${shops.length} shops (${shops.join(', ')})`,
      `pass --shop NAME (or set SRHOOKS_SHOP) to serve the shop they belong to, or unset them to serve the logins ${productName('login')} stored`,
      'ambiguous_credentials',
    );
  }
}

function printStart(output: Output, start: ListenStart): void {
  if (output.json) {
    output.jsonLine(start);
    return;
  }
  const { style } = output;
  const lines = [
    `${style.green('✔')} receiver listening on ${style.bold(start.url)}  ${style.dim(`(SQLite ${start.db})`)}`,
  ];
  lines.push('signed delivery URLs (register them with srhooks webhooks create --url … or sync):');
  for (const entry of start.urls)
    lines.push(`  ${entry.shop.padEnd(12)} ${entry.event.padEnd(28)} ${entry.url}`);
  if (start.forwardTo) {
    lines.push(`forwarding every event to ${start.forwardTo}`);
    lines.push(`  signing secret (Standard Webhooks): ${start.forwardSecret}`);
  }
  if (start.handler === CONSOLE_HANDLER) {
    lines.push(
      `handling every event with the console handler (shown as "→ ${CONSOLE_HANDLER}"); srhooks events replay <id> runs it again`,
    );
  } else if (!start.handler) {
    lines.push('no handler: deliveries are stored only (add --forward-to <url>, or drop --no-console)');
  }
  for (const line of credentialLines(start.credentials)) lines.push(style.dim(line));
  lines.push(
    style.dim(
      `bodies over ${sizeText(start.bodyLimit)} are stored raw, quarantined too_large (--body-limit changes it)`,
    ),
  );
  if (start.inspector) lines.push(`inspector: ${start.inspector}  (admin token ${start.adminToken})`);
  lines.push(
    style.dim(start.revealed ? 'personal data shown unmasked (--reveal)' : maskedNote(REVEALED_TEXTS)),
  );
  lines.push(style.dim('waiting for deliveries… (Ctrl-C stops)'));
  output.line(lines.join('\n'));
}

/**
 * A local receiver for the developer loop: the real `@srhooks/receiver` on SQLite, its signed URLs
 * printed, then one line per delivery as it is stored (and per handler outcome with
 * `--forward-to`), fed by the store's change hook.
 */
export const listenCommand = defineCommand<ListenOptions, ListenResult>({
  streaming: true,
  async run(options, context) {
    const interrupted = context.untilInterrupted();
    const events = (options.events ?? []).length > 0 ? (options.events as string[]) : [...WEBHOOK_EVENTS];
    for (const event of events) {
      if (!isWebhookEvent(event)) throw unknownEventError(event);
    }
    const shownEvents = new Set(events as WebhookEvent[]);
    const configDir = resolveConfigDir(context.env);
    const logins = await new CredentialStore(configDir).read();
    const shops =
      options.shop && options.shop.length > 0
        ? options.shop
        : defaultShops(context.env, Object.keys(logins.shops));
    // a name from SRHOOKS_SHOP is named as such, as every command names it
    const shopFrom = options.shop && options.shop.length > 0 ? '--shop' : 'SRHOOKS_SHOP';
    for (const [index, shop] of shops.entries()) {
      assertShopName(shop, shopFrom);
      if (shops.indexOf(shop) !== index)
        throw usageError(`--shop lists "${shop}" twice`, 'name each shop once', 'duplicate_shop');
    }
    const port = options.port ?? DEFAULT_LISTEN_PORT;
    await refuseBadPort(port);
    if (options.forwardTo)
      parseHttpUrl(
        '--forward-to',
        options.forwardTo,
        'e.g. --forward-to http://localhost:3000/webhooks (your endpoint)',
      );
    if (options.publicUrl)
      parseHttpUrl(
        '--public-url',
        options.publicUrl,
        "e.g. --public-url https://abc.tunnel.example (the tunnel's public base URL), or leave it out",
      );
    // the receiver's publicUrl rule (contracts): a query string or fragment is refused, never dropped
    const publicUrlProblem = options.publicUrl ? publicBaseUrlProblem(options.publicUrl) : null;
    if (publicUrlProblem !== null) {
      throw usageError(
        `--public-url "${options.publicUrl}" ${publicUrlProblem}`,
        undefined,
        'invalid_public_url',
      );
    }

    const bodyLimit =
      options.bodyLimit === undefined ? undefined : await parseListenBodyLimit(options.bodyLimit);

    checkEnvCredentialsShops(shops, context.env);
    // listen.json records one running listen (the admin commands find it there): a second one would
    // take the record over, and clear it when it stops, leaving the first unreachable by name
    const running = await readListenRunning(configDir);
    if (running?.alive && running.pid !== process.pid) {
      throw usageError(
        `${productName('listen')} is already running with this config dir (${running.url}, process ${running.pid} since ${running.startedAt})`,
        `use that one (events, deliveries and the other admin commands reach it), stop it first (Ctrl-C in its terminal), or start this one with another SRHOOKS_CONFIG_DIR`,
        'listen_running',
      );
    }
    const access = new Map(shops.map((shop) => [shop, listenShopAccess(logins, shop, context.env)]));
    const stored = await loadListenSecrets(configDir);
    const urlSecret =
      options.secret || context.env.SRHOOKS_SECRETS?.trim()
        ? firstSecret(options.secret, context.env)
        : stored.urlSecret;
    const db = options.db ?? join(configDir, 'listen.db');

    const spinner = context.output.spinner('starting the receiver');
    const handler = listenHandler(options);
    let receiver: EmbeddedReceiver;
    try {
      receiver = await startEmbeddedReceiver(
        {
          port,
          host: options.host ?? '127.0.0.1',
          // the first signs; the rest of SRHOOKS_SECRETS and the secret kept in listen.json are still
          // accepted, so URLs registered with an earlier listen (or an older secret) keep working
          secrets: acceptedSecrets(
            urlSecret,
            options.secret ? [] : secretsFromEnv(context.env),
            stored.urlSecret,
          ),
          adminToken: stored.adminToken,
          // the address shops reach it at: recovery then counts only the subscriptions under it
          ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
          db,
          ...(bodyLimit === undefined ? {} : { bodyLimit }),
          // the shop's API credentials (env over srhooks login's): recover and handlers' ctx.client use them
          shops: shops.map((name) => ({
            name,
            handlers: handler ? [handler] : [],
            ...access.get(name)?.credentials,
          })),
          handlers: options.forwardTo
            ? {
                [FORWARD_HANDLER]: {
                  type: 'forward',
                  url: options.forwardTo,
                  secret: stored.forwardSecret,
                  allowPrivateTargets: true,
                },
              }
            : handler === CONSOLE_HANDLER
              ? { [CONSOLE_HANDLER]: { type: 'log' } }
              : {},
        },
        {
          debug: context.debug,
          // a too_large reason it stores, its 400 and its 413 name listen's --body-limit, not the receiver's settings
          limitAdvice: listenLimitAdvice(),
          // the console handler's lines (whole payloads) are dropped; the feed prints its outcomes
          processing: { logWrite: () => {} },
          // a shop's API failing (srhooks recover, a failed pass's recorded reason) names listen's settings
          recovery: {
            failureReason: (shop, error) =>
              listenApiFailureReason(
                {
                  shop,
                  access: access.get(shop) ?? { credentials: {}, login: 'none', source: null },
                  storedApiUrl: logins.shops[shop]?.apiUrl !== undefined,
                  storedTokenUrl: logins.shops[shop]?.tokenUrl !== undefined,
                },
                context.env,
                error,
              ),
          },
        },
      );
    } catch (error) {
      throw unusableDb(error, db, options.db !== undefined);
    } finally {
      spinner.stop();
    }
    const { app, url: localUrl } = receiver;
    await recordListenRunning(configDir, {
      url: localUrl,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    });
    const base = options.publicUrl ?? localUrl;
    printStart(context.output, {
      type: 'listening',
      url: localUrl,
      db,
      bodyLimit: receiver.bodyLimit,
      urls: shops.flatMap((shop) =>
        [...shownEvents].map((event) => ({
          shop,
          event,
          url: signDeliveryUrl(base, { shop, event }, urlSecret),
        })),
      ),
      forwardTo: options.forwardTo ?? null,
      forwardSecret: options.forwardTo ? stored.forwardSecret : null,
      handler,
      credentials: shops.map((shop) => ({
        shop,
        login: access.get(shop)?.login ?? 'none',
        source: access.get(shop)?.source ?? null,
      })),
      inspector: receiver.admin ? `${localUrl}/ui` : null,
      adminToken: receiver.admin ? stored.adminToken : null,
      revealed: options.reveal === true,
    });

    const feed = watchDeliveries(app.store, context.output, {
      events: shownEvents,
      reveal: options.reveal === true,
      // a too_large delivery's advice names --body-limit (the receiver's names SRHOOKS_BODY_LIMIT)
      decodeMessage: listenTooLargeMessage,
    });

    const signal = await interrupted;
    context.output.info(`stopping the receiver (${signal})`);
    await feed.stop();
    await app.close();
    await clearListenRunning(configDir, process.pid);
    return { stopped: signal, deliveries: feed.deliveries };
  },
});

/**
 * The secrets listen accepts: the one that signs, then the rest of SRHOOKS_SECRETS (each checked as
 * the first is), then the one kept in listen.json.
 */
function acceptedSecrets(signing: string, fromEnv: readonly string[], kept: string): string[] {
  assertUsableSecrets(fromEnv);
  return [...new Set([signing, ...fromEnv, kept])];
}
