/**
 * A personal data erasure on SQLite leaves the e-mail address nowhere in the database's files: not in
 * the pages the old payloads, raw bodies and index entries left free (secure_delete), not in the WAL
 * (TRUNCATE checkpoint). Checked by scanning the files' bytes, after checking that the address was there.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-sqlite-erasure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EMAIL = 'Zsofia.Erasable@Example.HU';
const FORMS = [EMAIL, EMAIL.toLowerCase()];

/** Which of the database's files (main, WAL, shared memory) hold one of the address's forms. */
function filesHolding(file: string): string[] {
  const holding: string[] = [];
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    if (FORMS.some((form) => bytes.includes(Buffer.from(form, 'utf8')))) holding.push(path);
  }
  return holding;
}

function orderPayload(innerId: string, email: string): Record<string, unknown> {
  // A long comment: the payload spills into overflow pages, which an erasure frees whole.
  return {
    innerId,
    email,
    firstname: 'Zsófia',
    lastname: 'Erasable',
    comment: `Please call ${email} before delivery. ${'x'.repeat(6000)}`,
  };
}

describe('SQLite erasure: the file bytes', () => {
  it('no longer hold the e-mail address after the erasure (secure_delete, WAL truncated)', async () => {
    const file = join(dir, 'erasure.db');
    const store = new SqliteStore({ file });
    try {
      await store.migrate();
      for (let i = 0; i < 20; i += 1) {
        const email = i % 4 === 0 ? EMAIL : `other${i}@example.com`;
        await store.ingest(
          {
            shop: 'demo',
            event: 'order_confirm',
            receivedAt: new Date(Date.UTC(2026, 2, 2, 10, 0, i)),
            remoteAddress: '203.0.113.7',
            headers: {},
            contentType: 'application/json',
            rawBody: Buffer.from(JSON.stringify({ orders: { order: [orderPayload(String(i), email)] } })),
          },
          [{ dedupeKey: `order:${i}`, subjectId: String(i), payload: orderPayload(String(i), email) }],
          [],
        );
      }
      await store.quarantine(
        {
          shop: 'demo',
          event: 'order_confirm',
          receivedAt: new Date(Date.UTC(2026, 2, 2, 11)),
          remoteAddress: '203.0.113.7',
          headers: {},
          contentType: 'application/json',
          rawBody: Buffer.from(`{"orders":{"order":[{"email":"${EMAIL}"`),
        },
        { code: 'invalid_json', message: 'The body is not valid JSON.' },
      );
      // The address is in the file to begin with (the scan can find it).
      expect(filesHolding(file).length).toBeGreaterThan(0);

      const result = await store.erasePersonalData({
        email: EMAIL,
        reason: 'GDPR-2026-015',
        dryRun: false,
        includeUnfinished: false,
      });
      expect(result.events).toHaveLength(5);
      expect(result.deliveries).toHaveLength(6);
      expect(result.walCheckpointed).toBe(true);
      expect(filesHolding(file)).toEqual([]);
      // The others' data is still there.
      expect(readFileSync(file).includes(Buffer.from('other1@example.com'))).toBe(true);
    } finally {
      await store.close();
    }
    expect(filesHolding(file)).toEqual([]);
  });
});
