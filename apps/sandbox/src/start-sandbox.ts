import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import {
  type InstallReport,
  installApp,
  type PaymentNotificationInput,
  type PaymentNotificationReport,
  sendPaymentNotification,
  type UninstallReport,
  uninstallApp,
} from './apps/app-flow.js';
import { type AppRegistration, parseAppRegistration } from './apps/app-registry.js';
import { JWKS_PATH } from './assumptions.js';
import { buildSandbox } from './build-sandbox.js';
import type { Faults } from './faults/faults.js';
import type { SandboxOptions } from './options.js';
import type { OrderListSettings } from './resources/orders/order-list-settings.js';
import type { OrderSimulator } from './simulator/shop-simulator.js';
import type { RequestCount, SandboxState } from './state/sandbox-state.js';

export interface RunningSandbox {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `${url}/{shop}/api`: API2, Bearer tokens only (ShopRenter's `https://{shop}.api2.myshoprenter.hu/api`). */
  apiUrlTemplate: string;
  /**
   * `${url}/{shop}/legacy-api`: the legacy API, HTTP Basic auth only, for shops with `basicAuth`
   * (ShopRenter's `https://{shop}.api.myshoprenter.hu`); the same resources as API2.
   */
  legacyApiUrlTemplate: string;
  /** `${url}/{shop}/app/token` */
  tokenUrlTemplate: string;
  /** `${url}/.well-known/jwks.json`: the public key of the RS256 access tokens. */
  jwksUrl: string;
  simulator: OrderSimulator;
  /** Replaces the injected faults of a shop (`{}` clears them). */
  setFaults(shop: string, faults: Faults): void;
  /** Sets the shops' clock `seconds` off this machine's from now on (as `clockOffsetSeconds`, at run time). */
  setClockOffset(seconds: number): void;
  /**
   * Replaces how `GET /orders` sorts and pages for a shop: `{sort?, seed?, maxPageSize?}` (see
   * order-list-settings.ts; `{}`: by inner id, pages as asked). Returns the setting in force.
   */
  setOrderList(shop: string, settings: Partial<OrderListSettings>): OrderListSettings;
  /**
   * Revokes every access token issued for `shop` so far: the API answers 401 to them, as to a token the
   * shop no longer accepts; the next token request gets a valid one. Returns how many it revoked.
   */
  revokeTokens(shop: string): number;
  /** API and token requests answered so far, by status (429 counting in tests and benchmarks). */
  requestCount(shop?: string): RequestCount;
  /** Platform apps (FACTS.md §7, §8): the same actions as the `/_sandbox/apps` routes. */
  apps: {
    register(input: Record<string, unknown>): AppRegistration;
    install(appId: string, shop: string): Promise<InstallReport>;
    uninstall(appId: string, shop: string): Promise<UninstallReport>;
    notify(appId: string, input?: PaymentNotificationInput): Promise<PaymentNotificationReport>;
  };
  /** The underlying state and app, for tests that need more. */
  sandbox: SandboxState;
  app: FastifyInstance;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Builds the sandbox and listens (127.0.0.1, port 0 = a free port, unless options say otherwise). */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const { app, sandbox } = await buildSandbox(options);
  await app.listen({ port: sandbox.options.port, host: sandbox.options.host });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${urlHost(sandbox.options.host)}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    apiUrlTemplate: `${url}/{shop}/api`,
    legacyApiUrlTemplate: `${url}/{shop}/legacy-api`,
    tokenUrlTemplate: `${url}/{shop}/app/token`,
    jwksUrl: `${url}${JWKS_PATH}`,
    simulator: sandbox.simulator,
    setFaults: (shop, faults) => sandbox.setFaults(shop, faults),
    setClockOffset: (seconds) => sandbox.setClockOffset(seconds),
    setOrderList: (shop, settings) => sandbox.setOrderList(shop, settings),
    revokeTokens: (shop) => sandbox.revokeTokens(shop),
    requestCount: (shop) => sandbox.requestCount(shop),
    apps: {
      register: (input) => sandbox.apps.register(parseAppRegistration(input)),
      install: (appId, shop) => installApp(sandbox, appId, shop, url),
      uninstall: (appId, shop) => uninstallApp(sandbox, appId, shop),
      notify: (appId, input = {}) => sendPaymentNotification(sandbox, appId, input),
    },
    sandbox,
    app,
    close: () => {
      closing ??= app.close().then(() => undefined);
      return closing;
    },
  };
}
