import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBuiltMain, RECEIVER_ROOT } from '../../test-support/built-main.js';
import { StoreConfigError, StoreConflictError, StoreUnavailableError } from '../store-errors.js';
import { SqliteStore } from './sqlite-store.js';
import { deserializeError, serializeError } from './writer-protocol.js';
import { SqliteWriterThread } from './writer-thread-client.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-writer-thread-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteWriterThread', () => {
  it('rejects calls with StoreUnavailableError while the file cannot be opened, and recovers once it can', async () => {
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'not a directory');
    const writer = new SqliteWriterThread({ engine: { file: join(blocker, 'srhooks.db') } }, () => {}, {
      restartDelayMs: 50,
    });
    try {
      const first = writer.call('ping', []);
      await expect(first).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(first).rejects.toThrow(/blocker/);
      // Within the restart delay: refused at once, no new thread.
      await expect(writer.call('ping', [])).rejects.toBeInstanceOf(StoreUnavailableError);

      rmSync(blocker);
      await new Promise((resolve) => setTimeout(resolve, 60));
      await expect(writer.call('ping', [])).resolves.toBeUndefined();
      expect(writer.stats()).toEqual({
        commits: 0,
        items: 0,
        largestBatch: 0,
        slowCommits: 0,
        longestCommitMs: 0,
      });
    } finally {
      await writer.close();
    }
    await expect(writer.call('ping', [])).rejects.toThrow(/closed/);
  });
});

describe('SqliteWriterThread on a path whose directory cannot be made', () => {
  // mkdir in /proc fails with ENOENT although /proc exists; Node's recursive mkdirSync then retries
  // forever (it spun the writer thread, and the main thread opening the file first, at 100 % CPU).
  it.runIf(process.platform === 'linux')(
    'rejects with StoreUnavailableError naming the directory and ENOENT instead of spinning',
    async () => {
      const writer = new SqliteWriterThread({ engine: { file: '/proc/srhooks-nope/x.db' } }, () => {});
      try {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('the writer thread did not answer within 10 s')), 10_000);
        });
        const call = writer.call('ping', []);
        try {
          await expect(Promise.race([call, deadline])).rejects.toBeInstanceOf(StoreUnavailableError);
        } finally {
          clearTimeout(timer);
        }
        await expect(call).rejects.toThrow(/\/proc\/srhooks-nope.*ENOENT/);
      } finally {
        await writer.close();
      }
    },
    20_000,
  );
});

describe('SqliteWriterThread.releaseMemory', () => {
  it('makes the thread free the bodies it stored (held until its next collection otherwise)', async () => {
    const writer = new SqliteWriterThread({ engine: { file: join(dir, 'release.db') } }, () => {});
    try {
      expect(await writer.releaseMemory()).toBeNull(); // no thread yet: none is started for this
      await writer.call('ping', []);
      // What the thread holds of its own (SQLite's page cache, statements) once collected: the baseline.
      const baseline = (await writer.releaseMemory())?.externalBytesAfter ?? Number.NaN;
      const MiB = 2 ** 20;
      // Sixteen bodies of 1 MiB in one message, each with its own ArrayBuffer, moved to the thread.
      const calls = Array.from({ length: 16 }, () => {
        const body = Buffer.alloc(MiB, 0x61);
        return writer.call(
          'quarantine',
          [
            {
              shop: 'demo',
              event: 'order_confirm',
              receivedAt: new Date(),
              remoteAddress: '127.0.0.1',
              headers: {},
              contentType: 'application/json',
              rawBody: body,
            },
            { code: 'invalid_json', message: 'not JSON' },
          ],
          [body.buffer as ArrayBuffer],
        );
      });
      await Promise.all(calls);
      const release = await writer.releaseMemory();
      expect(release).not.toBeNull();
      const { externalBytesBefore = Number.NaN, externalBytesAfter = Number.NaN } = release ?? {};
      // Some of the 16 MiB were still held (how much depends on the young collections the thread ran
      // meanwhile), and after the release nothing of them is: the thread is back at its baseline.
      expect(externalBytesBefore).toBeGreaterThan(baseline + MiB);
      expect(externalBytesAfter).toBeLessThan(baseline + MiB / 2);
    } finally {
      await writer.close();
    }
    expect(await writer.releaseMemory()).toBeNull(); // closed
  });
});

describe('SqliteStore', () => {
  it('refuses an in-memory database (the writer thread and the readers need one file)', () => {
    expect(() => new SqliteStore({ file: ':memory:' })).toThrow(StoreConfigError);
  });
});

describe('errors across the thread boundary', () => {
  it.each([
    new StoreUnavailableError('disk full'),
    new StoreConflictError('Delivery dlv_1 is stored, not quarantined.'),
    new TypeError('events[0].dedupeKey must be a non-empty string'),
    Object.assign(new Error('UNIQUE constraint failed: events.id'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }),
  ])('keeps class, code and message: $message', (error) => {
    const copy = deserializeError(structuredClone(serializeError(error)));
    expect(copy).toBeInstanceOf(error.constructor);
    expect(copy.name).toBe(error.name);
    expect(copy.message).toBe(error.message);
    expect((copy as { code?: string }).code).toBe((error as { code?: string }).code);
  });

  it("keeps StoreUnavailableError's damaged and detail (readiness words its answer from them)", () => {
    for (const error of [
      new StoreUnavailableError('SQLITE_BUSY: database is locked'),
      new StoreUnavailableError('SQLITE_CORRUPT: database disk image is malformed', { damaged: true }),
    ]) {
      const copy = deserializeError(structuredClone(serializeError(error))) as StoreUnavailableError;
      expect(copy).toBeInstanceOf(StoreUnavailableError);
      expect({ damaged: copy.damaged, detail: copy.detail }).toEqual({
        damaged: error.damaged,
        detail: error.detail,
      });
    }
  });
});

describe('SqliteWriterThread.close with a call in flight', () => {
  // The thread is referenced while it closes: an answer arriving meanwhile used to unreference it (no call
  // pending), so a process with nothing else to do (a `srhooks listen` whose port was taken, after the
  // background search text rebuild had sent its first page) ended with exit code 13 (a top-level await
  // never settled) before the thread had exited, and its error message was never printed.
  it('keeps the process alive until the thread has exited', () => {
    ensureBuiltMain();
    const store = pathToFileURL(join(RECEIVER_ROOT, 'dist/store/sqlite/sqlite-store.js')).href;
    const script = `
      import { SqliteStore } from ${JSON.stringify(store)};
      const store = new SqliteStore({ file: process.env.SRHOOKS_TEST_DB });
      await store.migrate();
      const call = store.recordSearchTextVersions(1).then(() => 'answered', (error) => error.code);
      await store.close();
      console.log('closed', await call);
    `;
    const file = join(dir, 'close-with-a-call-in-flight.mjs');
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, [file], {
      env: { PATH: process.env.PATH, SRHOOKS_TEST_DB: join(dir, 'closing.db') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ status: child.status, stdout: child.stdout.trim(), stderr: child.stderr }).toEqual({
      status: 0,
      stdout: 'closed answered',
      stderr: '',
    });
  }, 90_000);
});
