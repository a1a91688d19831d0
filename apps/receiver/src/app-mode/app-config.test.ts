import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { defineReceiverConfig, loadConfig } from '../config/load-config.js';

const SECRET = 'app-config-secret-0123456789';
const app = { appId: 55, clientId: 'cid', clientSecret: 'csecret', events: ['order_confirm' as const] };

function issues(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-app-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('app config', () => {
  it('applies the defaults', () => {
    const config = defineReceiverConfig({ secrets: [SECRET], publicUrl: 'https://hooks.example.com', app });
    expect(config.app).toMatchObject({
      appId: '55',
      installPath: '/app/install',
      entryPath: '/app/entry',
      uninstallPath: '/app/uninstall',
      paymentPath: '/app/payments',
      timestampToleranceSeconds: 300,
      adminUrl: 'https://{shop}.myshoprenter.hu/admin',
      entryPoint: 'inspector',
      handlers: [],
      webhooks: [],
      installWaitSeconds: 3,
    });
  });

  it.each([
    [{ ...app, handlers: ['nope'] }, /app\.handlers\[0\].*unknown handler "nope"/],
    [{ ...app, clientSecret: '' }, /app\.clientSecret/],
    [{ ...app, installPath: '/hooks/x' }, /app\.installPath.*must not be under \/hooks/],
    [{ ...app, adminUrl: 'https://admin.example.com' }, /app\.adminUrl.*\{shop\}/],
    [{ ...app, events: ['order_paid'] }, /app\.events\[0\].*must be one of/],
    [{ ...app, extra: 1 }, /app.*extra/],
    [{ ...app, installWaitSeconds: 31 }, /app\.installWaitSeconds/],
    [{ ...app, installWaitSeconds: -1 }, /app\.installWaitSeconds/],
    [
      { ...app, uninstallPath: '/app/install' },
      /app\.uninstallPath.*must differ from app\.installPath \(both are \/app\/install\)/,
    ],
    [{ ...app, installPath: '/app/entry/install' }, /app\.installPath.*must not be under app\.entryPath/],
    // Not a URL once {shop} is filled in: every entry call failed 500 and the install redirected the owner to
    // a path on the receiver itself (the templates were only checked for {shop}).
    [
      { ...app, adminUrl: '{shop}.myshoprenter.hu/admin' },
      /app\.adminUrl.*must be an http\(s\) URL.*https:\/\/\{shop\}\.myshoprenter\.hu\/admin/,
    ],
    [{ ...app, adminUrl: 'ftp://{shop}.example.com/admin' }, /app\.adminUrl.*must be an http\(s\) URL/],
    [{ ...app, apiUrl: '{shop}.api2.myshoprenter.hu/api' }, /app\.apiUrl.*must be an http\(s\) URL/],
    [{ ...app, tokenUrl: 'oauth/{shop}/app/token' }, /app\.tokenUrl.*must be an http\(s\) URL/],
    // A typo of "inspector" was answered "must be a URL such as https://example.com", naming no alternative.
    [{ ...app, entryPoint: 'inspecter' }, /app\.entryPoint.*must be "inspector".*or an http\(s\) URL/],
    [
      { ...app, entryPoint: 'app.example.com/{shop}' },
      /app\.entryPoint.*https:\/\/app\.example\.com\/\{shop\}/,
    ],
  ])('refuses %j', (bad, message) => {
    expect(
      issues(() =>
        defineReceiverConfig({ secrets: [SECRET], publicUrl: 'https://h.example.com', app: bad as never }),
      ),
    ).toMatch(message);
  });

  it('needs the public URL (installed shops subscribe to it)', () => {
    expect(issues(() => defineReceiverConfig({ secrets: [SECRET], app }))).toMatch(/publicUrl.*app mode/);
  });

  it('takes the app secrets from SRHOOKS_APP_* over the file', () => {
    writeFileSync(
      join(dir, 'srhooks.config.json'),
      JSON.stringify({ publicUrl: 'https://hooks.example.com', app: { ...app, clientSecret: 'from-file' } }),
    );
    const config = loadConfig({
      cwd: dir,
      env: {
        SRHOOKS_SECRETS: SECRET,
        SRHOOKS_APP_CLIENT_SECRET: 'from-env',
        SRHOOKS_APP_WEBHOOK_SECRET_KEY: 'payment-key',
      },
    });
    expect(config.app).toMatchObject({
      clientId: 'cid',
      clientSecret: 'from-env',
      webhookSecretKey: 'payment-key',
    });
  });

  it('turns app mode on from the environment alone', () => {
    const config = loadConfig({
      cwd: dir,
      env: {
        SRHOOKS_SECRETS: SECRET,
        SRHOOKS_PUBLIC_URL: 'https://hooks.example.com',
        SRHOOKS_APP_ID: '9',
        SRHOOKS_APP_CLIENT_ID: 'cid',
        SRHOOKS_APP_CLIENT_SECRET: 'cs',
      },
    });
    expect(config.app).toMatchObject({ appId: '9', clientId: 'cid', clientSecret: 'cs' });
  });

  it('names the variable, or says where to set a missing app key, when the environment turns app mode on', () => {
    const message = issues(() =>
      loadConfig({
        cwd: dir,
        env: {
          SRHOOKS_SECRETS: SECRET,
          SRHOOKS_PUBLIC_URL: 'https://hooks.example.com',
          SRHOOKS_APP_ID: '9',
          SRHOOKS_APP_CLIENT_ID: 'cid',
        },
      }),
    );
    expect(message).toContain(
      'app.clientSecret: is required: set SRHOOKS_APP_CLIENT_SECRET, or clientSecret in the config file\'s "app" block',
    );
    expect(message).not.toContain('expected string, received undefined');
    const missingId = issues(() =>
      loadConfig({
        cwd: dir,
        env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_APP_CLIENT_ID: 'cid', SRHOOKS_APP_CLIENT_SECRET: 'cs' },
      }),
    );
    expect(missingId).toContain(
      'app.appId: is required: set SRHOOKS_APP_ID, or appId in the config file\'s "app" block',
    );
  });
});
