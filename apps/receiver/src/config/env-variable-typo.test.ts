/**
 * A misspelt SRHOOKS_* variable was ignored without a word: SRHOOKS_SPOOLDIR=/var/lib/srhooks/spool
 * started a receiver with no spool (deliveries answered 503 and lost during a store outage),
 * SRHOOKS_RETENTION_DAY=90 one that keeps everything. It is now refused naming the variable meant,
 * as the config file refuses a misspelt key; other tools' variables are left alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';

const SECRET = 'a-very-secret-value-0001';
const dir = mkdtempSync(join(tmpdir(), 'srhooks-env-typo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ env: { SRHOOKS_SECRETS: SECRET, ...env }, cwd: dir });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('misspelt SRHOOKS_* variables', () => {
  it.each([
    ['SRHOOKS_SPOOLDIR', '/var/lib/srhooks/spool', 'SRHOOKS_SPOOL_DIR'],
    ['SRHOOKS_RETENTION_DAY', '90', 'SRHOOKS_RETENTION_DAYS'],
    ['SRHOOKS_ADMINTOKEN', 'an-admin-token-0123456789', 'SRHOOKS_ADMIN_TOKEN'],
    ['srhooks_spool_max_bytes', '2gb', 'SRHOOKS_SPOOL_MAX_BYTES'],
    ['SRHOOKS_METRIC_TOKEN', 'a-metrics-token-0123456789', 'SRHOOKS_METRICS_TOKEN'],
    ['SRHOOKS_APP_CLIENTID', 'client', 'SRHOOKS_APP_CLIENT_ID'],
    ['SRHOOKS_SECERTS', SECRET, 'SRHOOKS_SECRETS'],
    ['SRHOOKS_DB_SHEMA', 'srhooks', 'SRHOOKS_DB_SCHEMA'],
    // the receiver's variables without the prefix, written with it: PostgreSQL meant, SQLite opened
    ['SRHOOKS_DATABASE_URL', 'postgres://srhooks@db.internal/srhooks', 'DATABASE_URL'],
    ['SRHOOKS_DATABASEURL', 'postgres://srhooks@db.internal/srhooks', 'DATABASE_URL'],
    ['SRHOOKS_PORT', '8080', 'PORT'],
    ['SRHOOKS_HOST', '127.0.0.1', 'HOST'],
    ['SRHOOKS_LOG_LEVEL', 'debug', 'LOG_LEVEL'],
  ])('%s is refused, naming %s meant', (variable, value, meant) => {
    const error = refusal({ [variable]: value });
    expect(error.issues).toEqual([
      {
        key: variable,
        message: `is not a variable the receiver reads; did you mean ${meant}? (as written it is ignored and that setting keeps its default)`,
      },
    ]);
    expect(error.message).not.toContain(value);
  });

  it.each([
    ['SRHOOKS_DB_FILE', './data/orders.db', 'SRHOOKS_DB', ''],
    ['SRHOOKS_DB_PATH', './data/orders.db', 'SRHOOKS_DB', ''],
    ['SRHOOKS_SPOOL_DIR_PATH', '/var/lib/srhooks/spool', 'SRHOOKS_SPOOL_DIR', ''],
    ['SRHOOKS_DATABASE_URL_PRIMARY', 'postgres://srhooks@db.internal/srhooks', 'DATABASE_URL', ''],
    [
      'SRHOOKS_DATABASE_URL_FILE',
      '/run/secrets/database-url',
      'DATABASE_URL',
      ' The receiver reads no *_FILE variants: give the value itself in DATABASE_URL.',
    ],
    // the Docker-secrets habit: the receiver reads the value, never a file named by a *_FILE variable
    [
      'SRHOOKS_ADMIN_TOKEN_FILE',
      '/run/secrets/admin-token',
      'SRHOOKS_ADMIN_TOKEN',
      ' The receiver reads no *_FILE variants: give the value itself in SRHOOKS_ADMIN_TOKEN.',
    ],
  ])('%s (a variable it reads with a word added) is refused', (variable, value, meant, more) => {
    // before: ignored without a word (SRHOOKS_DB_FILE opened ./data/srhooks.db instead)
    const error = refusal({ [variable]: value });
    expect(error.issues).toEqual([
      {
        key: variable,
        message: `is not a variable the receiver reads; did you mean ${meant}? (as written it is ignored and that setting keeps its default)${more}`,
      },
    ]);
    expect(error.message).not.toContain(value);
  });

  it('is listed with the other problems of the same run', () => {
    const error = refusal({ SRHOOKS_SPOOLDIR: '/tmp/spool', SRHOOKS_BODY_LIMIT: 'lots' });
    expect(error.issues.map((issue) => issue.key).sort()).toEqual(['SRHOOKS_BODY_LIMIT', 'SRHOOKS_SPOOLDIR']);
  });

  it('leaves the variables it reads, other tools’ and unrelated ones alone', () => {
    const config = loadConfig({
      env: {
        SRHOOKS_SECRETS: SECRET,
        SRHOOKS_SPOOL_DIR: join(dir, 'spool'),
        SRHOOKS_RECEIVER_URL: 'http://127.0.0.1:4750',
        SRHOOKS_CLIENT_ID: 'id',
        SRHOOKS_CLIENT_SECRET: 'secret',
        SRHOOKS_SHOP: 'demo',
        SRHOOKS_DEBUG: '1',
        SRHOOKS_SECRET: SECRET, // @srhooks/client's README reads the URL secret from it
        SRHOOKS_TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
        SRHOOKS_TEST_WATCHDOG_GRACE_MS: '300000',
        SRHOOKS_RELIABILITY_SEED: '7',
        SRHOOKS_DEV: '1',
      },
      cwd: dir,
    });
    expect(config.spoolDir).toBe(join(dir, 'spool'));
  });
});
