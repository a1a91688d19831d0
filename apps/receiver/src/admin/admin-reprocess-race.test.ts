/**
 * Concurrent `POST /admin/api/deliveries/:id/reprocess` of one quarantined delivery, on both engines:
 * exactly one call re-processes it, every other one answers the documented 409 `not_quarantined`
 * (whether it lost before the store call or inside the store's transaction).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiverConfigInput } from '../config/config-schema.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import {
  bearer,
  order,
  quarantineOrderDelivery,
  startAdminReceiver,
} from './test-support/admin-test-receiver.js';

const newSchema = testSchemas('rcv_race');
const CALLS = 4;
const ROUNDS = 5;

describe.each<[string, () => Partial<ReceiverConfigInput>]>([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: newSchema() })],
])('concurrent re-processing on %s', (_engine, storeConfig) => {
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startAdminReceiver(storeConfig());
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const quarantined = (seed: number) =>
    quarantineOrderDelivery(receiver, order(seed, { innerId: String(5000 + seed) }));

  it(`lets one of ${CALLS} simultaneous calls re-process; the others answer 409 not_quarantined`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const id = await quarantined(round);
      const answers = await Promise.all(
        Array.from({ length: CALLS }, async () => {
          const response = await fetch(`${receiver.baseUrl}/admin/api/deliveries/${id}/reprocess`, {
            method: 'POST',
            headers: bearer(),
          });
          return {
            status: response.status,
            body: (await response.json()) as { ok: boolean; error?: { code: string; message: string } },
          };
        }),
      );
      const winners = answers.filter((answer) => answer.status === 200);
      expect(winners).toHaveLength(1);
      const losers = answers.filter((answer) => answer.status !== 200);
      expect(losers.map((answer) => [answer.status, answer.body.error?.code])).toEqual(
        Array.from({ length: CALLS - 1 }, () => [409, 'not_quarantined']),
      );
      for (const loser of losers)
        expect(loser.body.error?.message).toContain(`Delivery ${id} is reprocessed`);
      expect((await receiver.app.store.getDelivery(id))?.events).toHaveLength(1);
    }
  });
});
