/**
 * loadConfig's refusals: each bad environment variable or config file key is named, with what is
 * wrong and what to do, as one `invalid_config` error listing every issue; no secret is quoted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { configError, SECRET_A, writeConfigIn } from './test-support/config-files.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const writeConfig = (content: unknown, name?: string) => writeConfigIn(dir, content, name);

describe('loadConfig refuses', () => {
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
      // Before: "must be one of fatal, …" only; LOG_LEVEL=WARN (pino's levels are lowercase) is a near miss.
      name: 'a log level in capitals, naming the one meant',
      env: { SRHOOKS_SECRETS: SECRET_A, LOG_LEVEL: 'WARN' },
      key: 'LOG_LEVEL',
      message: /^must be one of fatal, error, warn, info, debug, trace, silent \(did you mean "warn"\?\)$/,
    },
    {
      // Before: "must be a lowercase SQL identifier" with no rule or example, and a pg_ name passed to
      // PostgreSQL, whose refusal ("unacceptable schema name") stopped the start with no remedy.
      name: 'a schema name that is not a lowercase identifier, saying the rule with an example',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_DB_SCHEMA: 'Hooks-QA' },
      key: 'SRHOOKS_DB_SCHEMA',
      message:
        /^must be a lowercase SQL identifier: 1 to 63 characters a-z, 0-9 and _, not starting with a digit, e\.g\. srhooks$/,
    },
    {
      name: 'a schema name PostgreSQL reserves (pg_…)',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_DB_SCHEMA: 'pg_hooks' },
      key: 'SRHOOKS_DB_SCHEMA',
      message: /^must not start with pg_ \(PostgreSQL reserves those names\), e\.g\. srhooks$/,
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
    // Before: "must be a whole number, got "-1"": -1 is one; what is refused is its sign (or a unit).
    ...(
      [
        ['SRHOOKS_ADMIN_MAX_FAILURES', '-1'],
        ['SRHOOKS_RECOVERY_INTERVAL_MINUTES', '-5'],
        ['SRHOOKS_RECOVERY_OVERLAP_SECONDS', '-300'],
      ] as const
    ).map(([variable, raw]) => ({
      name: `${variable}="${raw}", saying a sign is not taken`,
      env: { SRHOOKS_SECRETS: SECRET_A, [variable]: raw },
      key: variable,
      message: /^must be a whole number written in digits, without a sign or a unit, got "-\d+"$/,
    })),
    {
      name: 'a duration where a number of milliseconds is read',
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_STORE_TIMEOUT_MS: '5s' },
      key: 'SRHOOKS_STORE_TIMEOUT_MS',
      message: /^must be a whole number written in digits, without a sign or a unit, got "5s"$/,
    },
    // Before: accepted here, then the start failed with proxy-addr's own words, "invalid range on
    // address: 0.0.0.0/0", naming no variable and saying nothing of what to do.
    ...['0.0.0.0/0', '::/0', '10.0.0.0/0'].map((raw) => ({
      name: `SRHOOKS_TRUST_PROXY="${raw}", a range of every address`,
      env: { SRHOOKS_SECRETS: SECRET_A, SRHOOKS_TRUST_PROXY: `10.1.2.3,${raw}` },
      key: 'SRHOOKS_TRUST_PROXY[1]',
      message:
        /^must not be a \/0 range: it would trust every address as a proxy.*list the proxies' addresses or CIDRs/,
    })),
    // Before: accepted, then "cannot listen on 0.0.0.0:3000:0: HOST "0.0.0.0:3000" is not an address of
    // this machine (ENOTFOUND)", which does not say that the port goes in PORT.
    ...(
      [
        [
          '0.0.0.0:3000',
          /^must be an address or host name without a port: give 0\.0\.0\.0 here and 3000 as the port, a setting of its own$/,
        ],
        [
          'localhost:8080',
          /^must be an address or host name without a port: give localhost here and 8080 as the port/,
        ],
        ['[::1]:3000', /^must be an address or host name without a port: give ::1 here and 3000 as the port/],
        ['http://127.0.0.1', /^must be an address or host name, not a URL: give 127\.0\.0\.1 here/],
      ] as const
    ).map(([raw, message]) => ({
      name: `HOST="${raw}"`,
      env: { SRHOOKS_SECRETS: SECRET_A, HOST: raw },
      key: 'HOST',
      message,
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
      name: 'a spool smaller than the body limit (the spool on)',
      env: {
        SRHOOKS_SECRETS: SECRET_A,
        SRHOOKS_SPOOL_DIR: '/var/lib/srhooks/spool',
        SRHOOKS_SPOOL_MAX_BYTES: '1mb',
        SRHOOKS_BODY_LIMIT: '2mb',
      },
      key: 'SRHOOKS_SPOOL_MAX_BYTES',
      message: /at least the body limit \(2097152 bytes\).*raise it or lower the body limit/,
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
    // A user name and password in the base would go into every subscription registered with the shop,
    // shown wherever delivery URLs are: refused, without quoting them.
    {
      name: 'a public URL with a user name and password',
      env: {
        SRHOOKS_SECRETS: SECRET_A,
        SRHOOKS_PUBLIC_URL: 'https://srhooks:pa55w0rd@hooks.example.com/base',
      },
      key: 'SRHOOKS_PUBLIC_URL',
      message:
        /^(?!.*pa55w0rd)has a user name or password before its host: they would be written into every delivery URL registered with the shop, and ShopRenter documents nothing about credentials in webhook URLs; remove them \(e\.g\. https:\/\/hooks\.example\.com\/base\): a delivery URL's signed token is what authenticates it$/,
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
});
