/**
 * An app-mode receiver wired to the sandbox for end-to-end tests: a sandbox with the given shops and a
 * registered app whose three URLs point at the receiver, and a receiver (real HTTP, tmp SQLite, job
 * worker on) with `app` configured against the sandbox's token, API and admin URLs. The receiver's
 * port is chosen before it starts, because its public URL goes into the subscriptions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signAppRequest } from '@srhooks/contracts';
import {
  freePort,
  processSigningKeyPem,
  type RunningSandbox,
  type SandboxOptions,
  startSandbox,
} from '@srhooks/sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildReceiver } from '../../app.js';
import type { ReceiverConfig, ReceiverConfigInput } from '../../config/config-schema.js';
import { defineReceiverConfig } from '../../config/load-config.js';
import type { SpoolPluginOptions } from '../../plugins/spool-plugin.js';
import type { RecoveryPluginOptions } from '../../recovery/recovery-plugin.js';
import { TEST_SECRET } from '../../test-support/test-receiver.js';
import type { ShopDirectoryPluginOptions } from '../shop-directory-plugin.js';

export const APP_ID = '55';
export const APP_CLIENT_ID = 'srhooks-test-app';
export const APP_CLIENT_SECRET = 'srhooks-test-app-client-secret';

/**
 * `path?shopname=…&code=…&timestamp=now&hmac=…`: an install/uninstall/entry call for `shop` signed with the
 * app's ClientSecret, as ShopRenter signs it.
 */
export function signedAppPath(path: string, shop: string, code: string): string {
  const query = { shopname: shop, code, timestamp: String(Math.floor(Date.now() / 1000)) };
  return `${path}?${new URLSearchParams({ ...query, hmac: signAppRequest(query, APP_CLIENT_SECRET) })}`;
}
export const WEBHOOK_SECRET_KEY = 'srhooks-test-app-webhook-key';
export const ADMIN_TOKEN = 'app-mode-admin-token-0123456789';

/** A newer URL secret than the fixture's (TEST_SECRET): see `withRotatedSecret`. */
export const ROTATED_URL_SECRET = 'srhooks-rotated-url-secret-0123456789abcdef';

/**
 * The fixture's config with the URL secret rotated (`new,old`): a receiver started with it re-registers every
 * installed shop at start-up, since none of their subscriptions is signed with the newest secret.
 */
export function withRotatedSecret(config: ReceiverConfig): ReceiverConfig {
  return { ...config, secrets: [ROTATED_URL_SECRET, TEST_SECRET] };
}

/** GET `{baseUrl}/admin/api{path}` with the fixture's admin token; expects 200 and answers the JSON. */
export async function adminGet(baseUrl: string, path: string) {
  const response = await fetch(`${baseUrl}/admin/api${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(response.status).toBe(200);
  return response.json();
}

export interface AppModeFixture {
  sandbox: RunningSandbox;
  receiver: FastifyInstance;
  config: ReceiverConfig;
  baseUrl: string;
  logLines: string[];
  /**
   * Registers the test app with ShopRenter (the sandbox) again, as the fixture did, with `changes`: e.g. fewer
   * scopes, or a ClientSecret rotated on ShopRenter's side only.
   */
  registerApp(changes?: AppRegistrationChanges): void;
  close(): Promise<void>;
}

export { freePort };

/** What a test may change in the test app's registration at ShopRenter (the sandbox). */
export interface AppRegistrationChanges {
  scopes?: string[];
  clientSecret?: string;
  uninstallUri?: string;
}

/**
 * Registers the test app (APP_ID) in the sandbox with its install, entry, uninstall and payment URLs
 * under `baseUrl` (the receiver's public URL).
 */
export function registerTestApp(
  sandbox: RunningSandbox,
  baseUrl: string,
  changes: AppRegistrationChanges = {},
): void {
  sandbox.apps.register({
    appId: APP_ID,
    clientId: APP_CLIENT_ID,
    clientSecret: APP_CLIENT_SECRET,
    webhookSecretKey: WEBHOOK_SECRET_KEY,
    redirectUri: `${baseUrl}/app/install`,
    entryPoint: `${baseUrl}/app/entry`,
    uninstallUri: `${baseUrl}/app/uninstall`,
    notificationUrl: `${baseUrl}/app/payments`,
    ...changes,
  });
}

export async function startAppModeFixture(
  options: {
    shops?: string[];
    sandbox?: SandboxOptions;
    /** `{url}` is the sandbox's URL. */
    app?: Record<string, unknown>;
    config?: Partial<ReceiverConfigInput>;
    /** The receiver's port (default: a free one). */
    port?: number;
    /** The recovery plugin's options (default: no schedule). */
    recovery?: RecoveryPluginOptions;
    /** The spool drainer's retry waits (with `config.spoolDir`). */
    spool?: SpoolPluginOptions;
    /** How the receiver re-reads the installed shops (default: every 5 s and on the change feed). */
    shopDirectory?: ShopDirectoryPluginOptions;
  } = {},
): Promise<AppModeFixture> {
  const shops = options.shops ?? ['alpha', 'beta', 'gamma'];
  const sandbox = await startSandbox({
    rateLimit: false,
    shops: shops.map((name) => ({ name, clients: [] })),
    signingKeyPem: processSigningKeyPem(),
    ...options.sandbox,
  });
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-app-mode-'));
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  const appAdmin = (options.sandbox?.appAdminUrl ?? '{origin}/{shop}/admin')
    .replaceAll('{origin}', sandbox.url)
    .replaceAll('{port}', new URL(sandbox.url).port);
  const registerApp = (changes: AppRegistrationChanges = {}) => registerTestApp(sandbox, baseUrl, changes);
  registerApp();
  const config = defineReceiverConfig({
    secrets: [TEST_SECRET],
    db: join(dir, 'srhooks.db'),
    port,
    host: '127.0.0.1',
    logLevel: 'info',
    publicUrl: baseUrl,
    adminToken: ADMIN_TOKEN,
    // Roomy, as test-receiver.ts: under CI's load a notification's write waited past the 5 s default and
    // was answered 503 (app-reserved-shop, app-secret-replaced). Tests of the store timeout set their own.
    storeTimeoutMs: 20_000,
    handlers: { audit: { type: 'log' } },
    app: {
      appId: APP_ID,
      clientId: APP_CLIENT_ID,
      clientSecret: APP_CLIENT_SECRET,
      webhookSecretKey: WEBHOOK_SECRET_KEY,
      events: ['order_confirm', 'order_status_change'],
      handlers: ['audit'],
      apiUrl: `${sandbox.url}/{shop}/api`,
      tokenUrl: `${sandbox.url}/{shop}/app/token`,
      adminUrl: appAdmin,
      appVersion: '1.0.0',
      retryIntervalSeconds: 1,
      // The install call waits for its API step (up to the sandbox's 30 s call limit), as before the default
      // 3 s: the tests read the install's outcome right after the call (app-install-slow-api.test.ts sets less).
      installWaitSeconds: 30,
      ...options.app,
    },
    ...options.config,
  });
  const logLines: string[] = [];
  let receiver: FastifyInstance;
  try {
    receiver = await buildReceiver(config, {
      defaultMetrics: false,
      processing: { logWrite: () => {} },
      ...(options.recovery ? { recovery: options.recovery } : {}),
      ...(options.spool ? { spool: options.spool } : {}),
      ...(options.shopDirectory ? { shopDirectory: options.shopDirectory } : {}),
      logDestination: { write: (line: string) => void logLines.push(line) },
    });
    await receiver.listen({ port, host: '127.0.0.1' });
  } catch (error) {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    sandbox,
    receiver,
    config,
    baseUrl,
    logLines,
    registerApp: (changes) => void registerApp(changes),
    async close() {
      await receiver.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * For a `describe` (or a file): starts the fixture with `options` in `beforeAll` and closes it in `afterAll`.
 * What it answers reads the running fixture (throws when used before `beforeAll` ran).
 */
export function appModeFixtureForAll(
  options: Parameters<typeof startAppModeFixture>[0] = {},
): AppModeFixture {
  let started: AppModeFixture | undefined;
  beforeAll(async () => {
    started = await startAppModeFixture(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  const running = (): AppModeFixture => {
    if (started === undefined) throw new Error('the app-mode fixture is used before its beforeAll ran');
    return started;
  };
  return {
    get sandbox() {
      return running().sandbox;
    },
    get receiver() {
      return running().receiver;
    },
    get config() {
      return running().config;
    },
    get baseUrl() {
      return running().baseUrl;
    },
    get logLines() {
      return running().logLines;
    },
    registerApp: (changes) => running().registerApp(changes),
    close: () => running().close(),
  };
}

/** Polls `check` until it returns a value other than undefined (or throws after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
