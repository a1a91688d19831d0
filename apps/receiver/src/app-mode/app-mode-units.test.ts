/** Unit tests of app mode's pure parts: the redirect guard, the shop-bound session, the shop directory. */

import { describe, expect, it } from 'vitest';
import { defineReceiverConfig } from '../config/load-config.js';
import type { AppShopRecord } from '../store/app-shops/app-shop-store.js';
import { allowedAppUrl, appAdminPage } from './app-mode-routes.js';
import { baseFingerprint, secretFingerprint } from './secret-fingerprint.js';
import { ShopDirectory } from './shop-directory.js';
import { createShopSession, sessionQuery, verifyShopSession } from './shop-session.js';
import { planResubscribe } from './start-up-resubscribe.js';

const config = defineReceiverConfig({
  secrets: ['units-secret-0123456789abcdef'],
  publicUrl: 'https://hooks.example.com',
  handlers: { app: { type: 'log' }, own: { type: 'log' } },
  shops: [{ name: 'configured', clientId: 'own-id', clientSecret: 'own-secret', handlers: ['own'] }],
  app: {
    appId: '55',
    clientId: 'app-id',
    clientSecret: 'app-secret',
    events: ['order_confirm'],
    handlers: ['app'],
    tokenUrl: 'https://oauth.example.com/{shop}/app/token',
  },
});
const app = config.app as NonNullable<typeof config.app>;

describe('allowedAppUrl (no open redirect)', () => {
  it.each([
    ['https://alpha.myshoprenter.hu/admin/app/55', true],
    ['https://alpha.myshoprenter.hu/admin/app/55?pelda=parameter', true],
    ['https://beta.myshoprenter.hu/admin/app/55', false],
    ['https://alpha.myshoprenter.hu/admin/settings', false],
    ['https://alpha.myshoprenter.hu/admin/app', false],
    ['http://alpha.myshoprenter.hu/admin/app/55', false],
    ['https://user:pw@alpha.myshoprenter.hu/admin/app/55', false],
    ['https://alpha.myshoprenter.hu.evil.example/admin/app/55', false],
    ['//evil.example/admin/app/55', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(allowedAppUrl(app, 'alpha', url) !== undefined).toBe(allowed);
  });

  it('falls back to the app page on the shop admin', () => {
    expect(appAdminPage(app, 'alpha')).toBe('https://alpha.myshoprenter.hu/admin/app/55');
    expect(allowedAppUrl(app, 'alpha', undefined)).toBeUndefined();
  });
});

describe('shop session', () => {
  const now = Date.UTC(2026, 6, 1);
  it('is valid for its shop until it expires, and only for it', () => {
    const session = createShopSession('alpha', 'app-secret', now);
    const query = Object.fromEntries(new URLSearchParams(sessionQuery(session)));
    expect(verifyShopSession(query, 'app-secret', now + 1000)).toBe('alpha');
    expect(verifyShopSession({ ...query, shop: 'beta' }, 'app-secret', now)).toBeNull();
    expect(verifyShopSession(query, 'other-secret', now)).toBeNull();
    expect(
      verifyShopSession({ ...query, expires: String(session.expires + 60) }, 'app-secret', now),
    ).toBeNull();
    expect(verifyShopSession(query, 'app-secret', session.expires * 1000)).toBeNull();
    expect(verifyShopSession({}, 'app-secret', now)).toBeNull();
  });
});

describe('ShopDirectory', () => {
  const record = (shop: string, status: AppShopRecord['status']): AppShopRecord => ({
    shop,
    status,
    installedAt: new Date(0),
    appVersion: null,
    uninstalledAt: status === 'uninstalled' ? new Date(1) : null,
    pendingReason: status === 'pending' ? 'token endpoint down' : null,
    attempts: 0,
    nextAttemptAt: null,
    subscriptions: [],
    secretFingerprint: null,
    updatedAt: new Date(0),
  });

  it('makes installed and pending shops look like config shops, with the app’s credentials; uninstalled ones vanish', () => {
    const directory = new ShopDirectory(config.shops, app);
    for (const r of [
      record('alpha', 'installed'),
      record('beta', 'pending'),
      record('gamma', 'uninstalled'),
    ]) {
      directory.remember(r);
    }
    expect(directory.shops().map((s) => [s.name, s.clientId, s.handlers])).toEqual([
      ['configured', 'own-id', ['own']],
      ['alpha', 'app-id', ['app']],
      ['beta', 'app-id', ['app']],
    ]);
    expect(directory.shop('alpha')).toMatchObject({
      clientSecret: 'app-secret',
      events: ['order_confirm'],
      tokenUrl: 'https://oauth.example.com/alpha/app/token',
    });
    expect(directory.shop('gamma')).toBeUndefined();
    expect(directory.isUninstalled('gamma')).toBe(true);
    expect(directory.isUninstalled('alpha')).toBe(false);
    expect(directory.isUninstalled('unknown')).toBe(false);
  });

  it('keeps a config shop even when it also uninstalled the app', () => {
    const directory = new ShopDirectory(config.shops, app);
    directory.remember(record('configured', 'uninstalled'));
    expect(directory.isUninstalled('configured')).toBe(false);
    expect(directory.shop('configured')?.clientId).toBe('own-id');
  });
});

describe('planResubscribe (start-up re-registration after a URL secret change)', () => {
  const A = 'srhooks-unit-secret-a-0123456789abcdef';
  const B = 'srhooks-unit-secret-b-0123456789abcdef';
  const shop = (name: string, status: AppShopRecord['status'], secret: string | null): AppShopRecord => ({
    shop: name,
    status,
    installedAt: new Date(0),
    appVersion: null,
    uninstalledAt: status === 'uninstalled' ? new Date(1) : null,
    pendingReason: status === 'pending' ? 'down' : null,
    attempts: 0,
    nextAttemptAt: null,
    subscriptions: [],
    secretFingerprint: secret === null ? null : secretFingerprint(secret),
    updatedAt: new Date(0),
  });
  const shops = [
    shop('on-a', 'installed', A),
    shop('on-b', 'installed', B),
    shop('before-fingerprints', 'installed', null),
    shop('pending-on-a', 'pending', A),
    shop('gone', 'uninstalled', null),
  ];

  it('keeps the fingerprint, never the secret', () => {
    expect(secretFingerprint(A)).toMatch(/^[0-9a-f]{16}$/);
    expect(secretFingerprint(A)).not.toBe(secretFingerprint(B));
    expect(A).not.toContain(secretFingerprint(A));
  });

  it('unchanged secret: nothing to re-register, nothing replaced, a shop without fingerprint left alone', () => {
    expect(planResubscribe(shops.slice(0, 1).concat(shops.slice(2)), [A])).toEqual({
      reRegister: [],
      moved: 0,
      replaced: 0,
      unknown: 1,
      changed: 0,
      secret: 0,
    });
  });

  it('replaced (B alone): the shops on A are re-registered and counted as replaced; no fingerprint: left alone', () => {
    expect(planResubscribe(shops, [B])).toEqual({
      reRegister: ['on-a'],
      moved: 0,
      replaced: 2,
      unknown: 1,
      changed: 0,
      secret: 1,
    });
  });

  it('rotated (B,A): the shops on A and those without fingerprint are re-registered; nothing replaced', () => {
    expect(planResubscribe(shops, [B, A])).toEqual({
      reRegister: ['on-a', 'before-fingerprints'],
      moved: 0,
      replaced: 0,
      unknown: 1,
      changed: 0,
      secret: 2,
    });
  });

  it('a new publicUrl: the shops registered under the old one are re-registered; a record without the base is left alone', () => {
    const under = (name: string, base: string): AppShopRecord => ({
      ...shop(name, 'installed', A),
      subscriptions: [{ event: 'order_confirm', id: `${name}-1`, baseFingerprint: baseFingerprint(A, base) }],
    });
    // The form one earlier build kept in the column: `{secret}:{base}`.
    const legacy = (name: string, base: string): AppShopRecord => ({
      ...shop(name, 'installed', A),
      secretFingerprint: `${secretFingerprint(A)}:${baseFingerprint(A, base)}`,
    });
    const records = [
      under('at-old', 'https://old.example.com'),
      under('at-new', 'https://new.example.com/'),
      legacy('legacy-at-old', 'https://old.example.com'),
      shop('before-bases', 'installed', A),
    ];
    expect(planResubscribe(records, [A], 'https://new.example.com')).toEqual({
      reRegister: ['at-old', 'legacy-at-old'],
      moved: 2,
      replaced: 0,
      unknown: 0,
      changed: 0,
      secret: 0,
    });
    expect(planResubscribe(records, [A], 'https://old.example.com')).toMatchObject({
      reRegister: ['at-new'],
      moved: 1,
    });
    expect(baseFingerprint(A, 'https://old.example.com')).toMatch(/^[0-9a-f]{16}$/);
    expect(baseFingerprint(A, 'https://old.example.com')).not.toBe(
      baseFingerprint(B, 'https://old.example.com'),
    );
  });
});
