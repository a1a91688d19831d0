import { readFileSync } from 'node:fs';
import { fileProblem, isValidShopName, JsonSyntaxError, parseJsonText, SCOPES } from '@srhooks/contracts';
import { DEFAULT_DELIVERY_TIMEOUT_MS, EXPECT_CONTINUE_TIMEOUT_MS } from './assumptions.js';
import { signingKeyFromPem, type TokenSigningKey } from './auth/jwt.js';
import { SandboxConfigError } from './errors.js';

/** Every scope the sandbox knows (FACTS.md §1). */
export const ALL_SCOPES: readonly string[] = Object.values(SCOPES);

export interface ApiClientSeed {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** Set by the sandbox for an installed app's client: its tokens carry it (never in seed files). */
  installId?: string;
}

export interface ShopSeed {
  name: string;
  clients: ApiClientSeed[];
  /** Enables legacy HTTP Basic auth (API user/password) on this shop's legacy API base, `/{shop}/legacy-api` (API2 takes only Bearer tokens). */
  basicAuth?: { username: string; password: string };
}

/** The API client of the default shop `demo`, granted every scope. */
export const DEMO_CLIENT: ApiClientSeed = {
  clientId: 'sandbox-demo-client',
  clientSecret: 'sandbox-demo-secret',
  scopes: [...ALL_SCOPES],
};

export const DEMO_SHOP: ShopSeed = { name: 'demo', clients: [DEMO_CLIENT] };

export interface SandboxOptions {
  /** Default: one shop `demo` with DEMO_CLIENT; given, these shops replace it. */
  shops?: ShopSeed[];
  /**
   * JSON file holding a `ShopSeed[]`: extra shops, added to `shops` (or to the default `demo`);
   * an entry whose name is already configured (e.g. `demo`) replaces that shop.
   */
  seedFile?: string;
  /** Persist webhooks, orders, subscribers and deliveries here; in memory when absent. */
  dataFile?: string;
  /** Access token lifetime, default 3600. */
  tokenTtlSeconds?: number;
  /** Per (client, shop), sliding one-second window. Default `{perSecond: 3}`; `false` switches it off. */
  rateLimit?: { perSecond: number } | false;
  /** 1 = real time; 86400 = a day of `webHookDelay` passes in a second. */
  timeScale?: number;
  /**
   * The shops' clock against this machine's, in whole seconds (negative: behind; default 0): the times
   * it stamps on orders, their histories and subscribers, and the `Date` header of its API answers. A
   * shop whose clock is off, as a real one can be (its token endpoint, another server, keeps real time).
   */
  clockOffsetSeconds?: number;
  /** Deliveries unanswered after this long are recorded as failed. Default 10 000. */
  deliveryTimeoutMs?: number;
  /** How long a delivery waits for `100 Continue` before sending the body anyway. Default 1000 (curl). */
  expectContinueTimeoutMs?: number;
  port?: number;
  host?: string;
  logger?: boolean | object;
  /** Platform apps registered at start (more via `POST /_sandbox/apps`); see src/apps. */
  apps?: Record<string, unknown>[];
  /** JSON file holding a list of apps (same shape as `apps`); added to `apps`. */
  appsFile?: string;
  /**
   * Where a shop's admin lives, for an app's `app_url` and the embedded page: `{origin}` is the
   * sandbox's URL as the request reached it, `{port}` its port, `{shop}` the shop. Default
   * `{origin}/{shop}/admin`. `http://{shop}.localhost:{port}/{shop}/admin` gives every shop its own
   * browser origin (browsers resolve *.localhost to the loopback address).
   */
  appAdminUrl?: string;
  /**
   * The RS256 key its access tokens are signed with: an RSA private key in PKCS#8 PEM (as the data file
   * keeps it). Default: the data file's key, else a new 2048-bit key made when first needed (about 0.3 s of
   * CPU). Given, it wins over the data file's, and is the one the data file keeps from then on. Sandboxes
   * given the same key accept each other's tokens (tests that start many sandboxes share one:
   * {@link processSigningKeyPem}).
   */
  signingKeyPem?: string;
}

/** A shop clock offset the sandbox takes (`clockOffsetSeconds`, `setClockOffset`): whole seconds, within a week. */
export function isClockOffset(seconds: number): boolean {
  return Number.isInteger(seconds) && Math.abs(seconds) <= 7 * 86_400;
}

export interface ResolvedSandboxOptions {
  shops: ShopSeed[];
  dataFile: string | undefined;
  tokenTtlSeconds: number;
  rateLimitPerSecond: number | undefined;
  timeScale: number;
  clockOffsetSeconds: number;
  deliveryTimeoutMs: number;
  expectContinueTimeoutMs: number;
  port: number;
  host: string;
  logger: boolean | object;
  apps: Record<string, unknown>[];
  appAdminUrl: string | undefined;
  /** `signingKeyPem`, read; undefined: the data file's key, else one made when first needed. */
  signingKey: TokenSigningKey | undefined;
}

function fail(message: string): never {
  throw new SandboxConfigError('bad_sandbox_options', message);
}

/**
 * A seed or apps file's JSON, or a `bad_sandbox_options` error naming the file, the line and column
 * of the syntax error and what to do. Nothing of the file is quoted (Node's `JSON.parse` message
 * would quote it, and such a file may hold names and passwords): contracts' `parseJsonText`.
 */
function parseJsonFile(text: string, source: string): unknown {
  try {
    return parseJsonText(text, source);
  } catch (error) {
    if (error instanceof JsonSyntaxError) fail(`${error.message}; ${error.fix}.`);
    throw error;
  }
}

function checkShop(seed: unknown, where: string): ShopSeed {
  if (typeof seed !== 'object' || seed === null) fail(`${where}: a shop must be an object {name, clients}.`);
  const shop = seed as Record<string, unknown>;
  if (!isValidShopName(shop.name)) {
    fail(
      `${where}: shop name ${JSON.stringify(shop.name)} is not a ShopRenter shop name (lowercase letters, digits, hyphens).`,
    );
  }
  if (!Array.isArray(shop.clients))
    fail(`${where} (${shop.name}): 'clients' must be a list of {clientId, clientSecret, scopes}.`);
  const clients = shop.clients.map((c: unknown, i: number): ApiClientSeed => {
    const client = (c ?? {}) as Record<string, unknown>;
    if (typeof client.clientId !== 'string' || client.clientId === '')
      fail(`${where} (${shop.name}): clients[${i}].clientId must be a non-empty string.`);
    if (typeof client.clientSecret !== 'string' || client.clientSecret === '')
      fail(`${where} (${shop.name}): clients[${i}].clientSecret must be a non-empty string.`);
    if (!Array.isArray(client.scopes) || !client.scopes.every((s) => typeof s === 'string')) {
      fail(
        `${where} (${shop.name}): clients[${i}].scopes must be a list of scope names (${ALL_SCOPES.join(', ')}).`,
      );
    }
    return {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scopes: [...client.scopes] as string[],
    };
  });
  let basicAuth: ShopSeed['basicAuth'];
  if (shop.basicAuth !== undefined) {
    const b = shop.basicAuth as Record<string, unknown> | null;
    if (typeof b?.username !== 'string' || typeof b.password !== 'string' || b.username === '') {
      fail(`${where} (${shop.name}): basicAuth must be {username, password}.`);
    }
    basicAuth = { username: b.username, password: b.password };
  }
  return { name: shop.name, clients, ...(basicAuth ? { basicAuth } : {}) };
}

/** Reads a seed file: a JSON list of shops. */
export function loadSeedFile(path: string): ShopSeed[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail(
      `seed file ${path} (--shops) ${fileProblem(error)}; check the path, or leave --shops out (the default shop demo is always there).`,
    );
  }
  const parsed = parseJsonFile(text, `seed file ${path}`);
  if (!Array.isArray(parsed))
    fail(`seed file ${path} must hold a JSON list of shops [{name, clients, basicAuth?}].`);
  return parsed.map((s, i) => checkShop(s, `seed file ${path} [${i}]`));
}

/** Reads an apps file: a JSON list of `{appId, clientId, clientSecret, redirectUri, entryPoint, uninstallUri, …}`. */
export function loadAppsFile(path: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail(`apps file ${path} (--apps) ${fileProblem(error)}; check the path, or leave --apps out.`);
  }
  const parsed = parseJsonFile(text, `apps file ${path}`);
  if (!Array.isArray(parsed) || !parsed.every((app) => typeof app === 'object' && app !== null)) {
    fail(
      `apps file ${path} must hold a JSON list of apps [{appId, clientId, clientSecret, redirectUri, entryPoint, uninstallUri}].`,
    );
  }
  return parsed as Record<string, unknown>[];
}

/**
 * The seed file adds shops (`--shops FILE`: "extra shops and API clients"): the configured ones,
 * the default `demo` among them, stay; a shop the file names that is already configured (say
 * `demo`) is replaced by the file's entry, so the file can give `demo` other clients. Names the
 * file repeats are refused below.
 */
function withSeedFile(shops: ShopSeed[], seedFile: string | undefined): ShopSeed[] {
  if (!seedFile) return shops;
  const extra = loadSeedFile(seedFile);
  const named = new Set(extra.map((shop) => shop.name));
  return [...shops.filter((shop) => !named.has(shop.name)), ...extra];
}

/** `signingKeyPem` as a key pair, or a `bad_sandbox_options` error that quotes nothing of it. */
function readSigningKey(pem: string): TokenSigningKey {
  let key: TokenSigningKey;
  try {
    key = signingKeyFromPem(pem);
  } catch {
    fail(
      'signingKeyPem is not a PEM private key; give an RSA private key in PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), or leave it out for a new one.',
    );
  }
  if (key.privateKey.asymmetricKeyType !== 'rsa') {
    fail(
      `signingKeyPem is a${key.privateKey.asymmetricKeyType === 'ec' ? 'n' : ''} ${key.privateKey.asymmetricKeyType} key; tokens are signed RS256 (as ShopRenter's), which takes an RSA key.`,
    );
  }
  return key;
}

export function resolveOptions(options: SandboxOptions = {}): ResolvedSandboxOptions {
  const shops = withSeedFile(
    options.shops === undefined
      ? [DEMO_SHOP]
      : options.shops.map((s, i) => checkShop(s, `options.shops[${i}]`)),
    options.seedFile,
  );
  const names = new Set<string>();
  for (const shop of shops) {
    if (names.has(shop.name)) fail(`shop '${shop.name}' is configured twice; give each shop one entry.`);
    names.add(shop.name);
  }
  const ttl = options.tokenTtlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl < 1)
    fail('tokenTtlSeconds must be a whole number of seconds, at least 1.');
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale))
    fail('timeScale must be a positive number (1 = real time).');
  const clockOffsetSeconds = options.clockOffsetSeconds ?? 0;
  if (!isClockOffset(clockOffsetSeconds))
    fail(
      "clockOffsetSeconds must be a whole number of seconds within a week either way (0 = this machine's clock).",
    );
  const rate = options.rateLimit ?? { perSecond: 3 };
  if (rate !== false && (!Number.isInteger(rate.perSecond) || rate.perSecond < 1)) {
    fail('rateLimit.perSecond must be a whole number, at least 1 (or rateLimit: false).');
  }
  return {
    shops,
    signingKey: options.signingKeyPem === undefined ? undefined : readSigningKey(options.signingKeyPem),
    dataFile: options.dataFile,
    tokenTtlSeconds: ttl,
    rateLimitPerSecond: rate === false ? undefined : rate.perSecond,
    timeScale,
    clockOffsetSeconds,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
    expectContinueTimeoutMs: options.expectContinueTimeoutMs ?? EXPECT_CONTINUE_TIMEOUT_MS,
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    logger: options.logger ?? false,
    apps: [...(options.apps ?? []), ...(options.appsFile ? loadAppsFile(options.appsFile) : [])],
    appAdminUrl: options.appAdminUrl,
  };
}
