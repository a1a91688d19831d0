/**
 * The receiver's config problems as start-up prints them: every problem at once (a type error in one
 * key does not hide the cross-field rules), in plain words instead of zod's, and a SRHOOKS_CONFIG
 * that is a directory said so (QA s17 #7, #10).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { defineReceiverConfig, loadConfig } from './load-config.js';

const SECRET = 'a-very-secret-value-0001';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-config-problems-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.key}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const fromFile = (values: unknown) => {
  writeFileSync(join(dir, 'srhooks.config.json'), JSON.stringify(values));
  return problems(() => loadConfig({ env: { SRHOOKS_SECRETS: SECRET }, cwd: dir }));
};

describe('receiver config problems', () => {
  it('reports a type error and the cross-field rules together', () => {
    const file = join(dir, 'srhooks.config.json');
    expect(fromFile({ port: 'x', shops: [{ name: 'a' }, { name: 'a' }] })).toEqual([
      `port (in ${file}): must be a number (got text)`,
      `shops[1].name (in ${file}): shop "a" is listed twice`,
    ]);
  });

  it('checks the shops that are valid on their own, and the names of those that are not', () => {
    const lines = problems(() =>
      defineReceiverConfig({
        secrets: [SECRET],
        handlers: { erp: { type: 'log' } },
        shops: [
          { name: 'a', handlers: ['erp', 'nope'], reconcile: true },
          { name: 'a', verify: 'yes' },
        ],
      } as never),
    );
    expect(lines).toEqual([
      'shops[1].verify: must be true or false (got text)',
      'shops[0].handlers[1]: unknown handler "nope"; define it under "handlers" (defined: erp)',
      expect.stringMatching(/^shops\[0\]\.clientId: reconcile needs the shop API credentials/),
      `publicUrl: shop "a" has reconcile: true, which needs the receiver's public URL`,
      'shops[1].name: shop "a" is listed twice',
    ]);
  });

  it('does not call a handler with a bad definition unknown, and skips rules whose keys are invalid', () => {
    const lines = problems(() =>
      defineReceiverConfig({
        secrets: [SECRET],
        bodyLimit: 'big',
        bodyHardLimit: 2048,
        handlers: { erp: { type: 'nope' } },
        shops: [{ name: 'a', handlers: ['erp'] }],
      } as never),
    );
    expect(lines).toEqual([
      'bodyLimit: must be a number (got text)',
      'handlers.erp.type: must have "type": "forward", "module", "log", "nats", "amqp" or "redis-stream"',
    ]);
  });

  it('words what zod says in plain language, never quoting the value', () => {
    const lines = fromFile({
      port: 1.5,
      host: '',
      bodyLimit: 99,
      allowIps: 'x',
      reconcileX: true,
      handlers: { 'bad name!': { type: 'log' } },
      shops: [{ name: 'a', verify: 'not-a-secret-but-a-value' }],
    }).map((line) => line.replace(/ \(in [^)]*\)/, ''));
    expect(lines).toEqual([
      'port: must be a whole number (got a number with a fraction)',
      'host: must not be empty',
      'bodyLimit: must be at least 1024 bytes',
      'allowIps: must be a list ([…]) (got text)',
      'shops[0].verify: must be true or false (got text)',
      'handlers.bad name!: is not an allowed name: a handler name is 1 to 63 letters, digits, "_", "." and "-", starting with a letter or digit',
      'reconcileX: unknown key (check its spelling in receiver docs/configuration.md)',
    ]);
    expect(lines.join('\n')).not.toContain('not-a-secret-but-a-value');
    expect(lines.join('\n')).not.toMatch(/Invalid input|Invalid key|expected number/);
  });

  it('names the key an unknown key most likely meant, at any depth', () => {
    const lines = fromFile({
      adminTokn: 'a-long-enough-admin-token',
      shops: [{ name: 'a', webhook: [{ event: 'order_confirm' }], clientSecrte: 'x' }],
      app: { appId: 1, clientId: 'c', clientSecret: 's', webhookSecretKy: 'k' },
      colour: 'blue',
    }).map((line) => line.replace(/ \(in [^)]*\)/, ''));
    expect(lines).toEqual(
      expect.arrayContaining([
        'adminTokn: unknown key; did you mean "adminToken"?',
        'shops[0].webhook: unknown key; did you mean "webhooks"?',
        'shops[0].clientSecrte: unknown key; did you mean "clientSecret"?',
        'app.webhookSecretKy: unknown key; did you mean "webhookSecretKey"?',
        // nothing close: where the keys are listed
        'colour: unknown key (check its spelling in receiver docs/configuration.md)',
      ]),
    );
  });

  it("checks a module handler's timeoutMs as forward's", () => {
    const lines = problems(() =>
      defineReceiverConfig({
        secrets: [SECRET],
        handlers: {
          hang: { type: 'module', path: '/tmp/hang.mjs', timeoutMs: 0 },
          slow: { type: 'module', path: '/tmp/slow.mjs', timeoutMs: '30s' },
        },
      } as never),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^handlers\.hang\.timeoutMs: /),
      // a duration as retry.delays takes them: the number to write instead (the handler author QA)
      'handlers.slow.timeoutMs: must be a number of milliseconds, not text: write 30000 for "30s"',
    ]);
    expect(
      defineReceiverConfig({
        secrets: [SECRET],
        handlers: { ok: { type: 'module', path: '/tmp/ok.mjs', timeoutMs: 200 } },
      }).handlers.ok,
    ).toMatchObject({ timeoutMs: 200 });
  });

  it('0 where a value must be more than 0 is refused as such, never "must be at least 0" (which 0 is)', () => {
    writeFileSync(
      join(dir, 'srhooks.config.json'),
      JSON.stringify({
        handlers: {
          hang: { type: 'module', path: '/tmp/hang.mjs', timeoutMs: 0 },
          erp: {
            type: 'forward',
            url: 'https://erp.example.com/hooks',
            secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
            timeoutMs: 0,
          },
          bus: { type: 'nats', servers: '127.0.0.1:4222', timeoutMs: 0 },
        },
      }),
    );
    const lines = problems(() =>
      loadConfig({
        env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_STORE_TIMEOUT_MS: '0', SRHOOKS_SHUTDOWN_TIMEOUT_MS: '0' },
        cwd: dir,
      }),
    ).map((line) => line.replace(/ \(in [^)]*\)/, ''));
    expect(lines).toEqual([
      'SRHOOKS_STORE_TIMEOUT_MS: must be more than 0',
      'SRHOOKS_SHUTDOWN_TIMEOUT_MS: must be more than 0',
      'handlers.hang.timeoutMs: must be more than 0',
      'handlers.erp.timeoutMs: must be more than 0',
      'handlers.bus.timeoutMs: must be more than 0',
    ]);
  });

  it("a handler's retry schedule is checked with the rest of the config, its keys' typos too", () => {
    writeFileSync(
      join(dir, 'srhooks.config.json'),
      JSON.stringify({
        port: 'x',
        handlers: {
          a: { type: 'log', retry: { delays: ['5s', '5x'], jitter: 2 } },
          b: { type: 'log', retry: { delay: ['1s'], maxRetryAfter: 'forever' } },
          c: { type: 'log', retry: ['5s'] },
          d: { type: 'log', retry: { delays: '5s' } },
          ok: { type: 'log', retry: { delays: [500, '5s', '1m'], jitter: 0, maxRetryAfter: '2h' } },
        },
      }),
    );
    const lines = problems(() => loadConfig({ env: { SRHOOKS_SECRETS: SECRET }, cwd: dir })).map((line) =>
      line.replace(/ \(in [^)]*\)/, ''),
    );
    expect(lines).toEqual([
      'port: must be a number (got text)',
      'handlers.a.retry.delays[1]: must be milliseconds or a duration such as "5s", "5m", "2h", "1d"',
      'handlers.a.retry.jitter: must be a number from 0 (exact delays) to 1; 0.2 means ±20 %',
      'handlers.b.retry.delay: unknown key; did you mean "delays"?',
      'handlers.b.retry.maxRetryAfter: must be milliseconds or a duration such as "1h"',
      'handlers.c.retry: must be an object such as {"delays": ["5s", "5m", "30m"], "jitter": 0.2}',
      'handlers.d.retry.delays: must be a list of durations such as ["5s", "5m", "2h"]',
    ]);
  });

  it('SRHOOKS_TRUST_PROXY that is neither true, false nor an address says all three are possible', () => {
    const lines = problems(() =>
      loadConfig({ env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_TRUST_PROXY: 'yes' }, cwd: dir }),
    );
    expect(lines).toEqual([
      'SRHOOKS_TRUST_PROXY[0]: must be an IPv4/IPv6 address or CIDR of a proxy such as 10.0.0.0/8, or the whole setting true or false',
    ]);
  });

  it('the root README\'s forward handler as written (secret "whsec_…") says how to make a secret', () => {
    const file = join(dir, 'srhooks.config.json');
    expect(
      fromFile({
        handlers: { erp: { type: 'forward', url: 'https://erp.example.com/shoprenter', secret: 'whsec_…' } },
      }),
    ).toEqual([
      `handlers.erp.secret (in ${file}): must be a Standard Webhooks secret: whsec_<base64>, e.g. "whsec_" followed by the output of \`openssl rand -base64 32\`, or \${VAR} naming the environment variable that holds it; give the receiving system the same secret to verify the signatures`,
    ]);
  });

  it('a body limit out of range is one problem: the hard limit the operator left at its default is not blamed', () => {
    expect(
      problems(() => loadConfig({ env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_BODY_LIMIT: '100gb' }, cwd: dir })),
    ).toEqual(['SRHOOKS_BODY_LIMIT: must be at most 64 MiB']);
    expect(fromFile({ bodyLimit: 100 * 1024 ** 3 }).map((line) => line.replace(/ \(in [^)]*\)/, ''))).toEqual(
      ['bodyLimit: must be at most 64 MiB'],
    );
  });

  it("a number too large for any setting is one line, with the setting's own limit", () => {
    expect(
      problems(() =>
        loadConfig({
          env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_STORE_TIMEOUT_MS: '99999999999999999999' },
          cwd: dir,
        }),
      ),
    ).toEqual(['SRHOOKS_STORE_TIMEOUT_MS: must be at most 120000 (milliseconds: 2 minutes)']);
  });

  it('a time limit longer than a timer can wait is refused (Node would fire it after 1 ms), the longest one taken', () => {
    const forward = (timeoutMs: number) => ({
      type: 'forward',
      url: 'https://erp.example.com/hooks',
      secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      timeoutMs,
    });
    const write = (timeoutMs: number) =>
      writeFileSync(
        join(dir, 'srhooks.config.json'),
        JSON.stringify({
          handlers: { hang: { type: 'module', path: '/tmp/hang.mjs', timeoutMs }, erp: forward(timeoutMs) },
        }),
      );
    write(3_000_000_000);
    const lines = problems(() =>
      loadConfig({ env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_SHUTDOWN_TIMEOUT_MS: '3000000000' }, cwd: dir }),
    ).map((line) => line.replace(/ \(in [^)]*\)/, ''));
    const longest = 'must be at most 2147483647 (about 24.8 days, the longest a timer can wait)';
    expect(lines).toEqual([
      `SRHOOKS_SHUTDOWN_TIMEOUT_MS: ${longest}`,
      `handlers.hang.timeoutMs: ${longest}`,
      `handlers.erp.timeoutMs: ${longest}`,
    ]);
    write(2_147_483_647);
    const config = loadConfig({
      env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_SHUTDOWN_TIMEOUT_MS: '2147483647' },
      cwd: dir,
    });
    expect(config.shutdownTimeoutMs).toBe(2_147_483_647);
  });

  it('a PostgreSQL schema without DATABASE_URL is refused, not ignored while the receiver opens a SQLite file', () => {
    expect(
      problems(() => loadConfig({ env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_DB_SCHEMA: 'hooks' }, cwd: dir })),
    ).toEqual([
      'SRHOOKS_DB_SCHEMA: is for PostgreSQL only, and DATABASE_URL is not set (the store would be the SQLite file of SRHOOKS_DB): set DATABASE_URL too, or remove it',
    ]);
    expect(fromFile({ databaseSchema: 'hooks' }).map((line) => line.replace(/ \(in [^)]*\)/, ''))).toEqual([
      'databaseSchema: is for PostgreSQL only, and DATABASE_URL is not set (the store would be the SQLite file of SRHOOKS_DB): set DATABASE_URL too, or remove it',
    ]);
    // with the URL (from either place) it is taken
    expect(
      loadConfig({
        env: {
          SRHOOKS_SECRETS: SECRET,
          SRHOOKS_DB_SCHEMA: 'hooks',
          DATABASE_URL: 'postgres://u@db.example.com/x',
        },
        cwd: dir,
      }).databaseSchema,
    ).toBe('hooks');
  });

  it('SRHOOKS_DB_POOL_SIZE: taken with DATABASE_URL, refused without it (not ignored) and when not 1 … 1000', () => {
    const url = 'postgres://u@db.example.com/x';
    const load = (env: Record<string, string>) =>
      loadConfig({ env: { SRHOOKS_SECRETS: SECRET, ...env }, cwd: dir });
    expect(load({ SRHOOKS_DB_POOL_SIZE: '4', DATABASE_URL: url }).databasePoolSize).toBe(4);
    expect(load({ DATABASE_URL: url }).databasePoolSize).toBeUndefined();
    expect(problems(() => load({ SRHOOKS_DB_POOL_SIZE: '4' }))).toEqual([
      'SRHOOKS_DB_POOL_SIZE: is for PostgreSQL only, and DATABASE_URL is not set (the store would be the SQLite file of SRHOOKS_DB): set DATABASE_URL too, or remove it',
    ]);
    expect(problems(() => load({ SRHOOKS_DB_POOL_SIZE: '0', DATABASE_URL: url }))).toEqual([
      'SRHOOKS_DB_POOL_SIZE: must be at least 1 (connections)',
    ]);
    expect(problems(() => load({ SRHOOKS_DB_POOL_SIZE: '5000', DATABASE_URL: url }))).toEqual([
      'SRHOOKS_DB_POOL_SIZE: must be at most 1000 (connections)',
    ]);
    expect(fromFile({ databasePoolSize: 3 }).map((line) => line.replace(/ \(in [^)]*\)/, ''))).toEqual([
      'databasePoolSize: is for PostgreSQL only, and DATABASE_URL is not set (the store would be the SQLite file of SRHOOKS_DB): set DATABASE_URL too, or remove it',
    ]);
  });

  it('SRHOOKS_MAX_CONNECTIONS / maxConnections: a whole number of connections from 1; 0, fractions, signs and units refused saying what to give', () => {
    const load = (env: Record<string, string>) =>
      loadConfig({ env: { SRHOOKS_SECRETS: SECRET, ...env }, cwd: dir });
    expect(load({ SRHOOKS_MAX_CONNECTIONS: '250' }).maxConnections).toBe(250);
    expect(load({ SRHOOKS_MAX_CONNECTIONS: ' 1 ' }).maxConnections).toBe(1);
    expect(load({}).maxConnections).toBeUndefined(); // the default: http/connection-limit.ts
    writeFileSync(join(dir, 'srhooks.config.json'), JSON.stringify({ maxConnections: 300 }));
    expect(load({}).maxConnections).toBe(300);
    expect(load({ SRHOOKS_MAX_CONNECTIONS: '400' }).maxConnections).toBe(400); // env wins
    rmSync(join(dir, 'srhooks.config.json'));

    expect(problems(() => load({ SRHOOKS_MAX_CONNECTIONS: '0' }))).toEqual([
      'SRHOOKS_MAX_CONNECTIONS: must be at least 1 (connections), e.g. 1000; 0 does not turn the cap off: remove the setting for the default',
    ]);
    for (const given of ['1.5', '-5', '1e3', '1k', 'lots'])
      expect(
        problems(() => load({ SRHOOKS_MAX_CONNECTIONS: given })),
        given,
      ).toEqual([
        `SRHOOKS_MAX_CONNECTIONS: must be a whole number of connections written in digits, e.g. 1000 (remove it for the default), got "${given}"`,
      ]);
    expect(problems(() => load({ SRHOOKS_MAX_CONNECTIONS: '2000000' }))).toEqual([
      'SRHOOKS_MAX_CONNECTIONS: must be at most 1048576 (connections)',
    ]);
    expect(problems(() => load({ SRHOOKS_MAX_CONNECTIONS: '' }))).toEqual([
      'SRHOOKS_MAX_CONNECTIONS: is set but empty: remove it or give a value',
    ]);
    // misspelt, it would be ignored and the default kept
    expect(problems(() => load({ SRHOOKS_MAX_CONNECTION: '500' }))).toEqual([
      'SRHOOKS_MAX_CONNECTION: is not a variable the receiver reads; did you mean SRHOOKS_MAX_CONNECTIONS? (as written it is ignored and that setting keeps its default)',
    ]);
    const inFile = (value: unknown) =>
      fromFile({ maxConnections: value }).map((line) => line.replace(/ \(in [^)]*\)/, ''));
    expect(inFile(0)).toEqual([
      'maxConnections: must be at least 1 (connections), e.g. 1000; 0 does not turn the cap off: remove the setting for the default',
    ]);
    expect(inFile(2.5)).toEqual(['maxConnections: must be a whole number of connections, e.g. 1000']);
    expect(inFile('1000')).toEqual(['maxConnections: must be a whole number of connections, e.g. 1000']);
  });

  it('a spool size without SRHOOKS_SPOOL_DIR is refused, not ignored while the spool stays off', () => {
    const message =
      "is the delivery spool's size, and SRHOOKS_SPOOL_DIR (spoolDir) is not set, so the spool is off and this would be ignored: set SRHOOKS_SPOOL_DIR too (a folder on persistent disk) to turn the spool on, or remove it";
    expect(
      problems(() =>
        loadConfig({ env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_SPOOL_MAX_BYTES: '2gb' }, cwd: dir }),
      ),
    ).toEqual([`SRHOOKS_SPOOL_MAX_BYTES: ${message}`]);
    expect(fromFile({ spoolMaxBytes: 2 ** 31 }).map((line) => line.replace(/ \(in [^)]*\)/, ''))).toEqual([
      `spoolMaxBytes: ${message}`,
    ]);
    // reported with the other problems of a config that fails anyway
    expect(
      problems(() =>
        loadConfig({ env: { SRHOOKS_SECRETS: SECRET, PORT: 'x', SRHOOKS_SPOOL_MAX_BYTES: '2gb' }, cwd: dir }),
      ),
    ).toEqual([
      'PORT: must be a port number from 0 to 65535 (0: any free port), got "x"',
      `SRHOOKS_SPOOL_MAX_BYTES: ${message}`,
    ]);
    expect(problems(() => defineReceiverConfig({ secrets: [SECRET], spoolMaxBytes: 2 ** 31 }))).toEqual([
      `spoolMaxBytes: ${message}`,
    ]);
    // a parsed configuration given again (its defaults included) is no setting of the spool's size
    const parsed = defineReceiverConfig({ secrets: [SECRET] });
    expect(defineReceiverConfig({ ...parsed, port: 3001 }).spoolMaxBytes).toBe(parsed.spoolMaxBytes);
    // with the folder (from either place) it is taken
    expect(
      loadConfig({
        env: {
          SRHOOKS_SECRETS: SECRET,
          SRHOOKS_SPOOL_DIR: join(dir, 'spool'),
          SRHOOKS_SPOOL_MAX_BYTES: '2gb',
        },
        cwd: dir,
      }).spoolMaxBytes,
    ).toBe(2 * 1024 ** 3);
    writeFileSync(join(dir, 'srhooks.config.json'), JSON.stringify({ spoolDir: join(dir, 'spool') }));
    expect(
      loadConfig({ env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_SPOOL_MAX_BYTES: '2gb' }, cwd: dir })
        .spoolMaxBytes,
    ).toBe(2 * 1024 ** 3);
  });

  it('an allow-list with no address is refused: it would refuse every delivery, not allow every one', () => {
    const message =
      'must list at least one IPv4/IPv6 address or CIDR (an empty list would refuse every delivery); to allow every address, remove it';
    expect(
      problems(() => loadConfig({ env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_ALLOW_IPS: ' , ' }, cwd: dir })),
    ).toEqual([`SRHOOKS_ALLOW_IPS: ${message}`]);
    expect(fromFile({ allowIps: [] }).map((line) => line.replace(/ \(in [^)]*\)/, ''))).toEqual([
      `allowIps: ${message}`,
    ]);
  });

  it('a handler\'s empty "events" list is refused: no event would ever reach it', () => {
    expect(
      fromFile({
        handlers: { stdout: { type: 'log', events: [] } },
        shops: [{ name: 'a', handlers: ['stdout'] }],
      }).map((line) => line.replace(/ \(in [^)]*\)/, '')),
    ).toEqual([
      'handlers.stdout.events: must list at least one event (an empty list lets none reach the handler); to let every event of its shops reach it, remove "events"',
    ]);
  });

  it('the admin token, the metrics token and the URL secrets must each be different, never quoted', () => {
    const token = 'the-same-token-0123456789';
    const lines = problems(() =>
      loadConfig({
        env: {
          SRHOOKS_SECRETS: `${SECRET},${token}`,
          SRHOOKS_ADMIN_TOKEN: token,
          SRHOOKS_METRICS_TOKEN: token,
        },
        cwd: dir,
      }),
    );
    expect(lines).toEqual([
      'SRHOOKS_ADMIN_TOKEN: must differ from the delivery URL secrets (SRHOOKS_SECRETS): whoever holds the admin token could sign delivery URLs; give it a value of its own (openssl rand -base64 32)',
      "SRHOOKS_METRICS_TOKEN: must differ from the admin token: the scrape job that holds it (Prometheus's configuration) could use the admin API; give it a value of its own (openssl rand -base64 32)",
    ]);
    expect(lines.join('\n')).not.toContain(token);
    // different values start
    const config = loadConfig({
      env: {
        SRHOOKS_SECRETS: SECRET,
        SRHOOKS_ADMIN_TOKEN: `a-${token}`,
        SRHOOKS_METRICS_TOKEN: `m-${token}`,
      },
      cwd: dir,
    });
    expect(config.metricsToken).toBe(`m-${token}`);
  });

  it('a DATABASE_URL that is no URL or has an unknown sslmode is refused at once, naming it and never its password', () => {
    const refused = (url: string) =>
      problems(() => loadConfig({ env: { SRHOOKS_SECRETS: SECRET, DATABASE_URL: url }, cwd: dir }));
    // before: "srhooks receiver failed to start: Invalid URL", naming nothing
    expect(refused('postgres://srhooks:pa55w0rd@db.internal:99999/srhooks')).toEqual([
      'DATABASE_URL: is not a valid URL: write it as postgres://user:password@host:5432/database (a port is 1 to 65535; percent-encode @, :, /, ?, # and % in the user name and password)',
    ]);
    // before: "The server does not support SSL connections" from the driver, naming nothing
    expect(refused('postgres://srhooks:pa55w0rd@db.internal/srhooks?sslmode=bogus')).toEqual([
      'DATABASE_URL: sslmode must be one of disable, prefer, require, verify-ca, verify-full, no-verify',
    ]);
    // before: "srhooks receiver failed to start: ENOENT: no such file or directory, open '…'", naming nothing
    const missing = join(dir, 'nope', 'ca.pem');
    expect(
      refused(`postgres://srhooks:pa55w0rd@db.internal/srhooks?sslmode=verify-full&sslrootcert=${missing}`),
    ).toEqual([
      `DATABASE_URL: sslrootcert: the file ${missing} does not exist; node-postgres reads it for every connection (a path relative to the receiver's working folder)`,
    ]);
    expect(refused(`postgres://srhooks:pa55w0rd@db.internal/srhooks?sslmode=require&sslkey=${dir}`)).toEqual([
      `DATABASE_URL: sslkey: the file ${dir} is not a file; node-postgres reads it for every connection (a path relative to the receiver's working folder)`,
    ]);
    writeFileSync(join(dir, 'ca.pem'), 'a CA');
    expect(
      loadConfig({
        env: {
          SRHOOKS_SECRETS: SECRET,
          DATABASE_URL: `postgres://u@db.internal/x?sslmode=verify-full&sslrootcert=${join(dir, 'ca.pem')}`,
        },
        cwd: dir,
      }).databaseUrl,
    ).toContain('sslrootcert=');
    // the receiver reads sslmode as libpq does (start-up/database-tls.ts): node-postgres' own reading is not offered
    expect(
      refused('postgres://srhooks:pa55w0rd@db.internal/srhooks?sslmode=require&uselibpqcompat=false'),
    ).toEqual([
      'DATABASE_URL: uselibpqcompat: the receiver always reads sslmode as libpq does; remove uselibpqcompat',
    ]);
    expect(
      loadConfig({
        env: {
          SRHOOKS_SECRETS: SECRET,
          DATABASE_URL: 'postgresql://u:p%40ss@db.internal:6432/x?sslmode=no-verify',
        },
        cwd: dir,
      }).databaseUrl,
    ).toBe('postgresql://u:p%40ss@db.internal:6432/x?sslmode=no-verify');
  });

  it('a bound of a milliseconds setting says its unit', () => {
    expect(
      problems(() =>
        loadConfig({
          env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_JOB_LEASE_MS: '60', SRHOOKS_STORE_TIMEOUT_MS: '300000' },
          cwd: dir,
        }),
      ),
    ).toEqual([
      'SRHOOKS_STORE_TIMEOUT_MS: must be at most 120000 (milliseconds: 2 minutes)',
      'SRHOOKS_JOB_LEASE_MS: must be at least 1000 (milliseconds: 1 s)',
    ]);
    expect(
      problems(() =>
        loadConfig({ env: { SRHOOKS_SECRETS: SECRET, SRHOOKS_JOB_LEASE_MS: '7200000' }, cwd: dir }),
      ),
    ).toEqual(['SRHOOKS_JOB_LEASE_MS: must be at most 3600000 (milliseconds: 1 hour)']);
  });

  it('says SRHOOKS_CONFIG names a directory, not a file', () => {
    mkdirSync(join(dir, 'd.json'));
    expect(
      problems(() => loadConfig({ env: { SRHOOKS_CONFIG: 'd.json', SRHOOKS_SECRETS: SECRET }, cwd: dir })),
    ).toEqual([`SRHOOKS_CONFIG: ${join(dir, 'd.json')} is a directory, not a file`]);
  });
});
