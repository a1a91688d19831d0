/**
 * Opening a PostgreSQL store with a wrong DATABASE_URL fails with one line that names DATABASE_URL
 * (never its password) and says what to check: the real server for an unknown role, an unknown
 * database and a closed port; the refusals trust authentication cannot produce (wrong password,
 * missing grants) as the errors node-pg raises.
 */
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../store-errors.js';
import { pgSetupError, pgUrlParts, StoreSetupError } from './pg-setup-errors.js';
import { PgStore } from './pg-store.js';

const SERVER = '127.0.0.1:5432';

async function openError(url: string, schema?: string): Promise<Error> {
  const store = new PgStore({ url, ...(schema ? { schema } : {}), connectTimeoutMs: 1000 });
  try {
    await store.migrate();
  } catch (error) {
    return error as Error;
  } finally {
    await store.close();
  }
  throw new Error('the store opened');
}

/** A node-pg server error: a message and its SQLSTATE. */
const serverError = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('opening a PostgreSQL store with a wrong DATABASE_URL', () => {
  it('names the role, DATABASE_URL without its password and what to do when the role does not exist', async () => {
    const error = await openError(`postgres://nouser_recverr:s3cret-pw@${SERVER}/test?application_name=x`);
    expect(error).toBeInstanceOf(StoreSetupError);
    expect(error.message).toContain('user "nouser_recverr"');
    expect(error.message).toContain('role "nouser_recverr" does not exist');
    expect(error.message).toContain(`DATABASE_URL (postgres://nouser_recverr@${SERVER}/test)`);
    expect(error.message).toContain('CREATE ROLE');
    expect(error.message).not.toContain('s3cret-pw');
    expect(error.message).not.toContain('\n');
  });

  it('names the database and says to check or create it when it does not exist', async () => {
    const error = await openError(`postgres://postgres@${SERVER}/nodb_recverr`);
    expect(error).toBeInstanceOf(StoreSetupError);
    expect(error.message).toContain('no database "nodb_recverr"');
    expect(error.message).toContain(`check the database name (after the last /) in DATABASE_URL`);
    expect(error.message).toContain('CREATE DATABASE');
  });

  it('stays "unavailable" (the server may come back) but names DATABASE_URL when nothing listens', async () => {
    const error = await openError('postgres://postgres:s3cret-pw@127.0.0.1:9/test');
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain(
      'nothing accepts connections at 127.0.0.1:9: check the host and port in DATABASE_URL (postgres://postgres@127.0.0.1:9/test)',
    );
    expect(error.message).not.toContain('s3cret-pw');
  });

  it('says the password was refused, without printing it', () => {
    const error = pgSetupError(
      serverError('password authentication failed for user "app"', '28P01'),
      'postgres://app:hunter2-long@db.internal:6543/shop',
      null,
    );
    expect(error).toBeInstanceOf(StoreSetupError);
    expect(error?.message).toContain('PostgreSQL refused the password for user "app"');
    expect(error?.message).toContain('DATABASE_URL (postgres://app@db.internal:6543/shop)');
    expect(error?.message).not.toContain('hunter2');
  });

  it('says which grants the store needs when permission is denied', () => {
    const withSchema = pgSetupError(
      serverError('permission denied for database shop', '42501'),
      'postgres://app@db/shop',
      'srhooks',
    );
    expect(withSchema?.message).toContain('CREATE and USAGE on schema "srhooks"');
    expect(withSchema?.message).toContain('CREATE on the database');
    const inDefault = pgSetupError(
      serverError('permission denied for schema public', '42501'),
      'postgres://app@db/shop',
      null,
    );
    expect(inDefault?.message).toContain('usually public');
  });

  it('leaves other errors alone', () => {
    expect(pgSetupError(serverError('syntax error', '42601'), 'postgres://app@db/shop', null)).toBeNull();
  });

  it('prints only user, host, port and database of the URL', () => {
    expect(pgUrlParts('postgres://u%40x:p%3Aw@h:1/d?sslpassword=z')).toEqual({
      shown: 'postgres://u%40x@h:1/d',
      user: 'u@x',
      host: 'h',
      port: '1',
      database: 'd',
    });
    expect(pgUrlParts('not a url').shown).toBeNull();
  });
});
