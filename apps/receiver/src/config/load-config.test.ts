import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { DEFAULT_BODY_LIMIT, DEFAULT_SQLITE_FILE } from './config-schema.js';
import { defineReceiverConfig, loadConfig } from './load-config.js';

const SECRET_A = 'a-very-secret-value-0001';
const SECRET_B = 'b-very-secret-value-0002';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(content: unknown, name = 'srhooks.config.json'): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

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
      { secrets: [SECRET_A], handlers: { mod: { type: 'module', path: 'mod.js', retries: [1, 2] } } },
      'custom.json',
    );
    const config = loadConfig({ env: { SRHOOKS_CONFIG: path }, cwd: '/' });
    // Unknown handler options are kept for later parts (loose handler schema).
    expect(config.handlers.mod).toEqual({ type: 'module', path: join(dir, 'mod.js'), retries: [1, 2] });
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

  const invalid: {
    name: string;
    env?: Record<string, string>;
    file?: unknown;
    key: string;
    message: RegExp;
  }[] = [
    { name: 'no secret at all', env: {}, key: 'secrets', message: /at least one secret/ },
    {
      name: 'a short secret',
      env: { SRHOOKS_SECRETS: `${SECRET_A},short` },
      key: 'SRHOOKS_SECRETS[1]',
      message: /16 characters/,
    },
    {
      name: 'a non-numeric port',
      env: { SRHOOKS_SECRETS: SECRET_A, PORT: 'http' },
      key: 'PORT',
      message: /port number from 0 to 65535/,
    },
    {
      name: 'a negative port',
      env: { SRHOOKS_SECRETS: SECRET_A, PORT: '-1' },
      key: 'PORT',
      message: /port number from 0 to 65535/,
    },
    {
      name: 'an empty PORT',
      env: { SRHOOKS_SECRETS: SECRET_A, PORT: ' ' },
      key: 'PORT',
      message: /set but empty/,
    },
    {
      name: 'a port out of range',
      env: { SRHOOKS_SECRETS: SECRET_A, PORT: '70000' },
      key: 'PORT',
      message: /65535/,
    },
    {
      name: 'an empty SRHOOKS_RETENTION_DAYS (not "keep everything")',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_RETENTION_DAYS: '' },
      key: 'SRHOOKS_RETENTION_DAYS',
      message: /set but empty/,
    },
    ...['0', '90x', '90 days', '-5', '36501', '1.5'].map((raw) => ({
      name: `SRHOOKS_RETENTION_DAYS="${raw}"`,
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_RETENTION_DAYS: raw },
      key: 'SRHOOKS_RETENTION_DAYS',
      message: /^must be a number of days from 1 to 36500, e\.g\. 90 or 90d/,
    })),
    {
      name: 'an unreadable body limit',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_BODY_LIMIT: 'lots' },
      key: 'SRHOOKS_BODY_LIMIT',
      message: /size in bytes/,
    },
    {
      name: 'a tiny body limit',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_BODY_LIMIT: '10' },
      key: 'SRHOOKS_BODY_LIMIT',
      message: /at least 1024/,
    },
    {
      name: 'a hard body limit under the body limit',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_BODY_LIMIT: '2mb', SRHOOKS_BODY_HARD_LIMIT: '1mb' },
      key: 'SRHOOKS_BODY_HARD_LIMIT',
      message: /at least the body limit \(2097152 bytes\)/,
    },
    {
      name: 'a spool max bytes without a number',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_SPOOL_MAX_BYTES: 'lots' },
      key: 'SRHOOKS_SPOOL_MAX_BYTES',
      message: /size in bytes such as .*1gb/,
    },
    {
      name: 'a tiny spool',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_SPOOL_MAX_BYTES: '512kb' },
      key: 'SRHOOKS_SPOOL_MAX_BYTES',
      message: /at least 1 MiB/,
    },
    {
      name: 'a blank spool folder',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_SPOOL_DIR: '  ' },
      key: 'SRHOOKS_SPOOL_DIR',
      message: /set but empty/,
    },
    {
      name: 'a bad CIDR',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_ALLOW_IPS: '10.0.0.0/8,10.0.0.0/33' },
      key: 'SRHOOKS_ALLOW_IPS[1]',
      message: /CIDR/,
    },
    {
      name: 'a bad log level',
      env: { SRHOOKS_SECRETS: SECRET_A, LOG_LEVEL: 'loud' },
      key: 'LOG_LEVEL',
      message: /info/,
    },
    {
      name: 'a non-postgres DATABASE_URL',
      env: { SRHOOKS_SECRETS: SECRET_A, DATABASE_URL: 'mysql://x' },
      key: 'DATABASE_URL',
      message: /postgres/,
    },
    {
      name: 'a public URL that is not a URL',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_PUBLIC_URL: 'hooks.example.com' },
      key: 'SRHOOKS_PUBLIC_URL',
      message: /http\(s\) URL/,
    },
    {
      name: 'an unknown event',
      file: { secrets: [SECRET_A], shops: [{ name: 'demo', events: ['order_confirm', 'order_paid'] }] },
      key: 'shops[0].events[1]',
      message: /order_status_change/,
    },
    {
      name: 'a malformed shop name',
      file: { secrets: [SECRET_A], shops: [{ name: 'Demo Shop', events: [] }] },
      key: 'shops[0].name',
      message: /lowercase/,
    },
    {
      name: 'a reference to an undefined handler',
      file: {
        secrets: [SECRET_A],
        handlers: { log: { type: 'log' } },
        shops: [{ name: 'demo', handlers: ['log', 'erp'] }],
      },
      key: 'shops[0].handlers[1]',
      message: /unknown handler "erp".*defined: log/,
    },
    {
      name: 'a handler of unknown type',
      file: { secrets: [SECRET_A], handlers: { x: { type: 'email' } } },
      key: 'handlers.x.type',
      message: /forward/,
    },
    {
      name: 'a forward handler with a bad secret',
      file: {
        secrets: [SECRET_A],
        handlers: { erp: { type: 'forward', url: 'https://erp.example.com', secret: 'x' } },
      },
      key: 'handlers.erp.secret',
      message: /whsec_/,
    },
    {
      name: 'a NATS handler whose server is no NATS URL or host:port',
      file: { secrets: [SECRET_A], handlers: { bus: { type: 'nats', servers: 'nats:/127.0.0.1:4222' } } },
      key: 'handlers.bus.servers',
      message: /handler "bus": "nats:\/127\.0\.0\.1:4222" is not a NATS server; write nats:\/\/host:port/,
    },
    {
      name: 'a NATS handler whose second server has a port out of range',
      file: {
        secrets: [SECRET_A],
        handlers: { bus: { type: 'nats', servers: ['nats://a:4222', 'b:99999'] } },
      },
      key: 'handlers.bus.servers[1]',
      message: /handler "bus": "b:99999" has port 99999; a port is 1 to 65535/,
    },
    {
      name: 'reconcile without credentials',
      file: {
        secrets: [SECRET_A],
        publicUrl: 'https://hooks.example.com',
        shops: [{ name: 'demo', events: ['order_confirm'], reconcile: true }],
      },
      key: 'shops[0].clientId',
      message: /clientId and clientSecret/,
    },
    {
      name: 'reconcile without a public URL',
      file: {
        secrets: [SECRET_A],
        shops: [
          {
            name: 'demo',
            events: ['order_confirm'],
            reconcile: true,
            clientId: 'id',
            clientSecret: 'secret',
          },
        ],
      },
      key: 'publicUrl',
      message: /public URL/,
    },
    // A query string would be dropped from (or land after the token of) the URL registered with the
    // shop: refused at start-up, naming publicUrl and what to do.
    {
      name: 'a public URL with a query string',
      file: { secrets: [SECRET_A], publicUrl: 'https://hooks.example.com/base?x=1' },
      key: 'publicUrl',
      message:
        /^has a query string \(\?x=1\): delivery URLs are <publicUrl>\/hooks\/<shop>\/<event>\/<token>, and ShopRenter documents nothing about query strings on webhook URLs; remove the query \(use a path prefix instead, e\.g\. https:\/\/hooks\.example\.com\/base\)$/,
    },
    {
      name: 'a public URL with a query string from SRHOOKS_PUBLIC_URL',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_PUBLIC_URL: 'https://hooks.example.com/?token=1' },
      key: 'SRHOOKS_PUBLIC_URL',
      message: /^has a query string \(\?token=1\)/,
    },
    {
      name: 'a public URL with a fragment',
      file: { secrets: [SECRET_A], publicUrl: 'https://hooks.example.com/#x' },
      key: 'publicUrl',
      message: /^has a fragment \(#x\), which is never sent to the receiver; remove it/,
    },
    {
      name: 'a public URL that is not http(s)',
      file: { secrets: [SECRET_A], publicUrl: 'ftp://hooks.example.com' },
      key: 'publicUrl',
      message: /^must be an http\(s\) URL such as https:\/\/hooks\.example\.com/,
    },
    {
      name: 'a misspelt key',
      file: { secrets: [SECRET_A], bodylimit: 10 },
      key: 'bodylimit',
      message: /unknown key/,
    },
    {
      name: 'a legacy API user without its password',
      file: { secrets: [SECRET_A], shops: [{ name: 'legacy', username: 'api-user' }] },
      key: 'shops[0].password',
      message: /^username needs the API password: set password too$/,
    },
    {
      name: 'a legacy API password without its user',
      file: { secrets: [SECRET_A], shops: [{ name: 'legacy', password: 'api-pass' }] },
      key: 'shops[0].username',
      message: /^password needs the API user: set username too$/,
    },
    {
      name: 'client credentials and a legacy API user on one shop',
      file: {
        secrets: [SECRET_A],
        shops: [{ name: 'demo', clientId: 'id', clientSecret: 'secret', username: 'u', password: 'p' }],
      },
      key: 'shops[0].username',
      message: /either clientId\/clientSecret \(OAuth, recommended\) or username\/password/,
    },
    {
      name: 'reconcile without API credentials',
      file: {
        secrets: [SECRET_A],
        publicUrl: 'https://hooks.example.com',
        shops: [{ name: 'demo', events: ['order_confirm'], reconcile: true }],
      },
      key: 'shops[0].clientId',
      message:
        /^reconcile needs the shop API credentials: set clientId and clientSecret on the shop \(or, for a legacy API user, username and password\)$/,
    },
    {
      name: 'a shop listed twice',
      file: { secrets: [SECRET_A], shops: [{ name: 'demo' }, { name: 'demo' }] },
      key: 'shops[1].name',
      message: /twice/,
    },
    {
      name: 'a file that is not JSON',
      file: '{"port": 3000,',
      key: 'srhooks.config.json',
      message:
        /not valid JSON: the JSON ends too early .* at line 1, column 15; fix the JSON at line 1, column 15/,
    },
    {
      // Node's JSON.parse message quotes the text around the error: here a secret.
      name: 'a file that is not JSON, without quoting it',
      file: '{"secrets": [hunter2-forward-secret-xyz]}',
      key: 'srhooks.config.json',
      message:
        /^(?!.*hunter2).*srhooks\.config\.json is not valid JSON: unexpected character at line 1, column 14; fix the JSON/,
    },
    { name: 'a file that is a list', file: '[]', key: 'srhooks.config.json', message: /JSON object/ },
    {
      name: 'a trustProxy that is neither a boolean nor a list',
      file: { secrets: [SECRET_A], trustProxy: 'yes' },
      key: 'trustProxy',
      message: /^must be true, false or a list of the proxies' addresses or CIDRs/,
    },
  ];

  for (const testCase of invalid) {
    it(`refuses ${testCase.name}, naming ${testCase.key}`, () => {
      if (testCase.file !== undefined) writeConfig(testCase.file);
      const error = configError(() => loadConfig({ env: testCase.env ?? {}, cwd: dir }));
      const issue = error.issues.find((candidate) => candidate.key.split(' ')[0] === testCase.key);
      expect(issue, `issues: ${JSON.stringify(error.issues)}`).toBeDefined();
      expect(issue?.message).toMatch(testCase.message);
      expect(error.message).toContain(testCase.key);
      expect(error.code).toBe('invalid_config');
    });
  }

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
