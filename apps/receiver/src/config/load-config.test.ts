import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BODY_LIMIT, DEFAULT_SQLITE_FILE } from './config-schema.js';
import { defineReceiverConfig, loadConfig } from './load-config.js';
import { configError, SECRET_A, SECRET_B, writeConfigIn } from './test-support/config-files.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const writeConfig = (content: unknown, name?: string) => writeConfigIn(dir, content, name);

describe('loadConfig', () => {
  it('applies defaults when only the secrets are set', () => {
    const config = loadConfig({ env: { SRHOOKS_SECRETS: SECRET_A }, cwd: dir });
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      secrets: [SECRET_A],
      db: DEFAULT_SQLITE_FILE,
      bodyLimit: DEFAULT_BODY_LIMIT,
      logLevel: 'info',
      storeTimeoutMs: 5000,
      trustProxy: false,
      shops: [],
      handlers: {},
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.allowIps).toBeUndefined();
  });

  it('reads every documented env var, keeping the secrets newest first', () => {
    const config = loadConfig({
      cwd: dir,
      env: {
        PORT: '8080',
        HOST: '127.0.0.1',
        SRHOOKS_SECRETS: ` ${SECRET_B} , ${SECRET_A},`,
        SRHOOKS_ADMIN_TOKEN: 'admin-token-0123456789',
        SRHOOKS_ADMIN_MAX_FAILURES: '25',
        SRHOOKS_DB: '/var/lib/srhooks/db.sqlite',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
        SRHOOKS_DB_SCHEMA: 'hooks',
        SRHOOKS_PUBLIC_URL: 'https://hooks.example.com/',
        SRHOOKS_BODY_LIMIT: '512kb',
        SRHOOKS_ALLOW_IPS: '203.0.113.0/24, 2001:db8::/32',
        SRHOOKS_TRUST_PROXY: '10.0.0.0/8',
        LOG_LEVEL: 'warn',
        SRHOOKS_STORE_TIMEOUT_MS: '1500',
        SRHOOKS_SHUTDOWN_TIMEOUT_MS: '2500',
        SRHOOKS_JOB_LEASE_MS: '5000',
        SRHOOKS_RETENTION_DAYS: '90',
      },
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      secrets: [SECRET_B, SECRET_A],
      adminToken: 'admin-token-0123456789',
      adminMaxFailures: 25,
      db: '/var/lib/srhooks/db.sqlite',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
      databaseSchema: 'hooks',
      publicUrl: 'https://hooks.example.com',
      bodyLimit: 512 * 1024,
      allowIps: ['203.0.113.0/24', '2001:db8::/32'],
      trustProxy: ['10.0.0.0/8'],
      logLevel: 'warn',
      storeTimeoutMs: 1500,
      shutdownTimeoutMs: 2500,
      jobLeaseMs: 5000,
      retentionDays: 90,
    });
  });

  it('reads srhooks.config.json from cwd and lets env override it', () => {
    writeConfig({
      $schema: './srhooks.schema.json',
      port: 4000,
      bodyLimit: 4096,
      secrets: [SECRET_A],
      handlers: {
        erp: {
          type: 'forward',
          url: 'https://erp.example.com/hook',
          secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        },
        review: { type: 'module', path: './handlers/review.js', events: ['order_confirm'] },
        stdout: { type: 'log' },
      },
      shops: [
        {
          name: 'demo',
          events: ['order_confirm', 'newsletter_subscribe'],
          handlers: ['erp', 'review', 'stdout'],
        },
      ],
    });
    const config = loadConfig({ env: { PORT: '5000' }, cwd: dir });
    expect(config.port).toBe(5000);
    expect(config.bodyLimit).toBe(4096);
    expect(config.secrets).toEqual([SECRET_A]);
    expect(config.shops).toEqual([
      {
        name: 'demo',
        events: ['order_confirm', 'newsletter_subscribe'],
        handlers: ['erp', 'review', 'stdout'],
        reconcile: false,
        verify: false,
        recovery: true,
        webhooks: [],
      },
    ]);
    expect(config.handlers.review).toEqual({
      type: 'module',
      path: join(dir, 'handlers/review.js'),
      events: ['order_confirm'],
    });
    expect(config.handlers.erp?.type).toBe('forward');
  });

  it('reads the file named by SRHOOKS_CONFIG, resolving module paths from its directory', () => {
    const path = writeConfig(
      { secrets: [SECRET_A], handlers: { mod: { type: 'module', path: 'mod.js', laterOption: [1, 2] } } },
      'custom.json',
    );
    const config = loadConfig({ env: { SRHOOKS_CONFIG: path }, cwd: '/' });
    // Unknown handler options are kept for later parts (loose handler schema); a near miss of a known one is refused (handler-key-typo.test.ts).
    expect(config.handlers.mod).toEqual({ type: 'module', path: join(dir, 'mod.js'), laterOption: [1, 2] });
  });

  it('reads SRHOOKS_BODY_HARD_LIMIT, 64 MiB by default', () => {
    expect(loadConfig({ env: { SRHOOKS_SECRETS: SECRET_A }, cwd: dir }).bodyHardLimit).toBe(64 * 1024 * 1024);
    expect(
      loadConfig({ env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_BODY_HARD_LIMIT: '8mb' }, cwd: dir })
        .bodyHardLimit,
    ).toBe(8 * 1024 * 1024);
  });

  it('reads SRHOOKS_SPOOL_DIR (off when unset) and SRHOOKS_SPOOL_MAX_BYTES, 1 GiB by default', () => {
    const off = loadConfig({ env: { SRHOOKS_SECRETS: SECRET_A }, cwd: dir });
    expect(off.spoolDir).toBeUndefined();
    expect(off.spoolMaxBytes).toBe(1024 * 1024 * 1024);
    const on = loadConfig({
      env: {
        SRHOOKS_SECRETS: SECRET_A,
        SRHOOKS_SPOOL_DIR: '/var/lib/srhooks/spool',
        SRHOOKS_SPOOL_MAX_BYTES: '2gb',
      },
      cwd: dir,
    });
    expect(on.spoolDir).toBe('/var/lib/srhooks/spool');
    expect(on.spoolMaxBytes).toBe(2 * 1024 * 1024 * 1024);
    // its documented maximum, 1 TiB, written as such
    const most = loadConfig({
      env: {
        SRHOOKS_SECRETS: SECRET_A,
        SRHOOKS_SPOOL_DIR: '/var/lib/srhooks/spool',
        SRHOOKS_SPOOL_MAX_BYTES: '1tb',
      },
      cwd: dir,
    });
    expect(most.spoolMaxBytes).toBe(1024 ** 4);
  });

  it('accepts byte sizes with units in SRHOOKS_BODY_LIMIT', () => {
    for (const [raw, bytes] of [
      ['1048576', 1048576],
      ['2mb', 2 * 1024 * 1024],
      ['64 KB', 64 * 1024],
    ] as const) {
      expect(
        loadConfig({ env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_BODY_LIMIT: raw }, cwd: dir }).bodyLimit,
      ).toBe(bytes);
    }
  });

  it('reads SRHOOKS_RETENTION_DAYS as the CLI reads --older-than: 90 or 90d', () => {
    for (const [raw, days] of [
      ['90', 90],
      ['90d', 90],
      [' 30d ', 30],
      ['36500', 36_500],
    ] as const) {
      expect(
        loadConfig({ env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_RETENTION_DAYS: raw }, cwd: dir })
          .retentionDays,
      ).toBe(days);
    }
    expect(loadConfig({ env: { SRHOOKS_SECRETS: SECRET_A }, cwd: dir }).retentionDays).toBeUndefined();
  });

  it('takes a legacy API user (username and password) as a shop’s API credentials, reconcile included', () => {
    writeConfig({
      secrets: [SECRET_A],
      publicUrl: 'https://hooks.example.com',
      shops: [
        {
          name: 'legacy',
          username: 'api-user',
          password: 'api-pass',
          events: ['order_confirm'],
          reconcile: true,
        },
      ],
    });
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.shops[0]).toMatchObject({ name: 'legacy', username: 'api-user', password: 'api-pass' });
    expect(config.shops[0]?.recovery).toBe(true);
  });

  it('names the file when a file key is wrong', () => {
    const path = writeConfig({ secrets: [SECRET_A], port: 'x' });
    const error = configError(() => loadConfig({ env: {}, cwd: dir }));
    expect(error.issues).toEqual([{ key: `port (in ${path})`, message: expect.stringMatching(/number/) }]);
  });

  it('refuses a SRHOOKS_CONFIG that does not exist', () => {
    const error = configError(() =>
      loadConfig({ env: { SRHOOKS_CONFIG: 'missing.json', SRHOOKS_SECRETS: SECRET_A }, cwd: dir }),
    );
    expect(error.issues).toEqual([
      { key: 'SRHOOKS_CONFIG', message: `file ${join(dir, 'missing.json')} does not exist` },
    ]);
  });

  it('reports every bad key at once', () => {
    const error = configError(() => loadConfig({ env: { PORT: 'x', LOG_LEVEL: 'loud' }, cwd: dir }));
    expect(error.issues.map((issue) => issue.key).sort()).toEqual(['LOG_LEVEL', 'PORT', 'secrets']);
  });
});

describe('defineReceiverConfig', () => {
  it('validates a config written in code with the same rules', () => {
    expect(defineReceiverConfig({ secrets: [SECRET_A], port: 0 }).port).toBe(0);
    const error = configError(() => defineReceiverConfig({ secrets: [SECRET_A], storeTimeoutMs: -1 }));
    expect(error.issues[0]?.key).toBe('storeTimeoutMs');
    const spool = configError(() => defineReceiverConfig({ secrets: [SECRET_A], spoolDir: '' }));
    expect(spool.issues[0]).toMatchObject({
      key: 'spoolDir',
      message: expect.stringMatching(/path of a folder/),
    });
  });
});
