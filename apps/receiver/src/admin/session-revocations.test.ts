import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PgStore } from '../store/postgres/pg-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import { SessionRevocations } from './session-revocations.js';

const nextSchema = testSchemas('srhooks_revocations');

describe('SessionRevocations', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'srhooks-revocations-'));
    const store = new SqliteStore({ file: join(dir, 'store.db') });
    await store.migrate();
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    let now = Date.parse('2026-03-02T10:00:00Z');
    const errors: unknown[] = [];
    const revocations = new SessionRevocations(store, {
      cacheMs: 5000,
      // roomy: on a loaded CI machine a SQLite write waited past the 5 s default (the timeout has its own test)
      timeoutMs: 30_000,
      now: () => now,
      onStoreError: (error) => errors.push(error),
    });
    return {
      store,
      revocations,
      errors,
      advance: (ms: number) => {
        now += ms;
      },
      close: async () => {
        closed = true;
        await store.close();
      },
    };
  }

  const session = {
    id: 'abcdefghijklmnopqrstuvwx',
    expiresAt: new Date('2026-03-02T22:00:00Z'),
    csrfToken: 'x',
  };

  it('sees a logout made elsewhere once its "not revoked" answer is older than cacheMs', async () => {
    const { store, revocations, advance } = await setup();
    expect(await revocations.isRevoked(session)).toBe(false);
    // Another instance logs the session out (straight into the shared store).
    await store.revokeAdminSession(session.id, session.expiresAt, { now: new Date('2026-03-02T10:00:00Z') });
    advance(4999);
    expect(await revocations.isRevoked(session)).toBe(false);
    advance(1);
    expect(await revocations.isRevoked(session)).toBe(true);
  });

  it('a logout through it takes effect at once', async () => {
    const { revocations } = await setup();
    expect(await revocations.isRevoked(session)).toBe(false);
    await revocations.revoke(session);
    expect(await revocations.isRevoked(session)).toBe(true);
  });

  it('accepts the session and reports the error when the store cannot answer', async () => {
    const { revocations, errors, close } = await setup();
    await close();
    expect(await revocations.isRevoked(session)).toBe(false);
    expect(errors).toHaveLength(1);
    await expect(revocations.revoke(session)).rejects.toThrow();
  });

  it('does not hang on a hanging store: accepts the session after timeoutMs and says why', async () => {
    const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(await proxy.start());
    const store = new PgStore({
      url: url.toString(),
      schema: nextSchema(),
      poolSize: 2,
      queryTimeoutMs: 30_000,
    });
    cleanups.push(async () => {
      await proxy.stop();
      await store.close().catch(() => {});
    });
    await store.migrate();
    const errors: unknown[] = [];
    const revocations = new SessionRevocations(store, {
      timeoutMs: 300,
      onStoreError: (error) => errors.push(error),
    });
    proxy.stall();
    const started = performance.now();
    expect(await revocations.isRevoked(session)).toBe(false);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(String(errors[0])).toMatch(/admin session check did not finish within 300 ms/);
    await expect(revocations.revoke(session)).rejects.toThrow(/logout did not finish within 300 ms/);
  });
});
