import { randomBytes, randomUUID } from 'node:crypto';
import { isValidShopName } from '@srhooks/contracts';
import { SandboxApiError, SandboxNotFoundError } from '../errors.js';
import { ALL_SCOPES, type ApiClientSeed } from '../options.js';

/**
 * The platform apps registered with the sandbox and where they are installed (FACTS.md §7).
 * In ShopRenter, Partner Support registers an app (AppId, ClientId, ClientSecret, the three
 * URLs, scopes); a shop owner installs it from the admin. An installed app's ClientId works at
 * that shop's token endpoint; each install has its own id, carried in the tokens, so a token
 * issued before an uninstall stays refused after a re-install. Kept in memory (not in the data
 * file): an app is registered again when the sandbox restarts.
 */
export interface AppRegistration {
  appId: string;
  clientId: string;
  clientSecret: string;
  /** Install: GET with shopname, code, timestamp, hmac, app_url. */
  redirectUri: string;
  /** Loaded in the shop admin's iframe (embedded) with shopname, code, timestamp, hmac. */
  entryPoint: string;
  /** GET with shopname, code, timestamp, hmac after an uninstall. */
  uninstallUri: string;
  scopes: string[];
  /** Payment API: signs notifications; generated when not given. */
  webhookSecretKey: string;
  /** Payment API: where notifications go (the app sets it per charge; one default here). */
  notificationUrl?: string;
}

export interface AppInstall {
  appId: string;
  shop: string;
  installId: string;
  installedAt: string;
  uninstalledAt?: string;
  /**
   * The scopes the shop owner consented to: the app's scopes at install, plus those approved later
   * at `/{shop}/admin/app/{clientId}/approveScopes` (FACTS.md §7). Tokens carry the scopes the app
   * has now that are also in this list.
   */
  approvedScopes: string[];
}

/** An API client that belongs to an install: tokens must carry its `installId`. */
export type InstalledClient = ApiClientSeed & { installId: string };

function need(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new SandboxApiError(
      400,
      40003,
      'required_field_missing',
      `The app's '${name}' is required (a non-empty string).`,
    );
  }
  return value;
}

function needUrl(value: unknown, name: string): string {
  const text = need(value, name);
  try {
    const url = new URL(text);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
    if (url.hash) throw new Error('fragment');
  } catch {
    throw new SandboxApiError(
      400,
      40005,
      'wrong_data',
      `The app's '${name}' must be an absolute http(s) URL without a #fragment (ShopRenter refuses SPA-style URLs).`,
    );
  }
  return text;
}

export function parseAppRegistration(input: Record<string, unknown>): AppRegistration {
  const scopes = input.scopes ?? [...ALL_SCOPES];
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) {
    throw new SandboxApiError(
      400,
      40005,
      'wrong_data',
      `The app's 'scopes' must be a list of scope names (${ALL_SCOPES.join(', ')}).`,
    );
  }
  const appId = typeof input.appId === 'number' ? String(input.appId) : need(input.appId, 'appId');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(appId)) {
    throw new SandboxApiError(
      400,
      40005,
      'wrong_data',
      "The app's 'appId' must be letters, digits, '-' or '_'.",
    );
  }
  return {
    appId,
    clientId: need(input.clientId, 'clientId'),
    clientSecret: need(input.clientSecret, 'clientSecret'),
    redirectUri: needUrl(input.redirectUri, 'redirectUri'),
    entryPoint: needUrl(input.entryPoint, 'entryPoint'),
    uninstallUri: needUrl(input.uninstallUri, 'uninstallUri'),
    scopes: [...scopes] as string[],
    webhookSecretKey:
      input.webhookSecretKey === undefined
        ? randomBytes(12).toString('hex')
        : need(input.webhookSecretKey, 'webhookSecretKey'),
    ...(input.notificationUrl === undefined
      ? {}
      : { notificationUrl: needUrl(input.notificationUrl, 'notificationUrl') }),
  };
}

export class AppRegistry {
  private readonly apps = new Map<string, AppRegistration>();
  /** Key `${appId}\u0000${shop}`: the current or last install. */
  private readonly installs = new Map<string, AppInstall>();
  /** The last Payment API notification sent per app (for the `replay` fault). */
  readonly lastNotification = new Map<string, { rawBody: string; hmac: string }>();
  /** Per app, the highest charge id its notifications named (given or made up): the next made-up one is above it. */
  readonly lastPaymentId = new Map<string, number>();

  register(app: AppRegistration): AppRegistration {
    for (const other of this.apps.values()) {
      if (other.clientId === app.clientId && other.appId !== app.appId) {
        throw new SandboxApiError(
          409,
          40901,
          'conflict',
          `ClientId '${app.clientId}' already belongs to app ${other.appId}.`,
        );
      }
    }
    this.apps.set(app.appId, app);
    return app;
  }

  list(): AppRegistration[] {
    return [...this.apps.values()];
  }

  app(appId: string): AppRegistration {
    const app = this.apps.get(appId);
    if (!app) {
      throw new SandboxNotFoundError(
        `App '${appId}'`,
        `Registered apps: ${[...this.apps.keys()].join(', ') || 'none'} (POST /_sandbox/apps).`,
      );
    }
    return app;
  }

  install(appId: string, shop: string, now = new Date()): AppInstall {
    if (!isValidShopName(shop))
      throw new SandboxApiError(400, 40005, 'wrong_data', `'${shop}' is not a shop name.`);
    const record: AppInstall = {
      appId,
      shop,
      installId: randomUUID(),
      installedAt: now.toISOString(),
      approvedScopes: [...this.app(appId).scopes],
    };
    this.installs.set(`${appId}\u0000${shop}`, record);
    return record;
  }

  /** Ends the install: its tokens stop working at once. Undefined when it was not installed. */
  uninstall(appId: string, shop: string, now = new Date()): AppInstall | undefined {
    const record = this.current(appId, shop);
    if (!record) return undefined;
    record.uninstalledAt = now.toISOString();
    return record;
  }

  /**
   * The scopes an install's tokens carry: what the app has now (a scope the app dropped is gone at
   * once) and the shop owner approved (a scope added to the app after the install needs approval).
   */
  grantedScopes(app: AppRegistration, record: AppInstall): string[] {
    return app.scopes.filter((scope) => record.approvedScopes.includes(scope));
  }

  /** The scopes the app has that the owner of this install has not approved yet. */
  pendingScopes(app: AppRegistration, record: AppInstall): string[] {
    return app.scopes.filter((scope) => !record.approvedScopes.includes(scope));
  }

  /**
   * The owner's click on `/{shop}/admin/app/{clientId}/approveScopes`: every scope the app has now
   * is approved for this install (earlier approvals stay). Undefined when the app is not installed.
   */
  approveScopes(clientId: string, shop: string): AppInstall | undefined {
    const app = this.appOfClient(clientId);
    const record = app && this.current(app.appId, shop);
    if (!app || !record) return undefined;
    record.approvedScopes = [...new Set([...record.approvedScopes, ...app.scopes])];
    return record;
  }

  current(appId: string, shop: string): AppInstall | undefined {
    const record = this.installs.get(`${appId}\u0000${shop}`);
    return record && !record.uninstalledAt ? record : undefined;
  }

  installsOf(appId: string): AppInstall[] {
    return [...this.installs.values()].filter((r) => r.appId === appId);
  }

  /** The API clients of the apps installed on `shop`, for the token endpoint and the API. */
  clientsFor(shop: string): InstalledClient[] {
    const clients: InstalledClient[] = [];
    for (const app of this.apps.values()) {
      const record = this.current(app.appId, shop);
      if (record) {
        clients.push({
          clientId: app.clientId,
          clientSecret: app.clientSecret,
          scopes: this.grantedScopes(app, record),
          installId: record.installId,
        });
      }
    }
    return clients;
  }

  /** The app a client id belongs to, installed or not. */
  appOfClient(clientId: string): AppRegistration | undefined {
    return [...this.apps.values()].find((a) => a.clientId === clientId);
  }
}
