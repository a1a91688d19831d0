/**
 * `POST /admin/api/shops/{shop}/uninstall` on the real PostgreSQL (a schema of its own per run, dropped
 * afterwards), over real HTTP against the sandbox's app flow: the uninstall call that never arrived made
 * good by an operator has its effects in the PostgreSQL store (the shop uninstalled in its app_shops row,
 * its pending job a dead letter with the cancellation text, its URLs 404, recovery no longer serving it),
 * a second call says already uninstalled, and a config-file shop and an unknown one are refused.
 */
import { signDeliveryPath } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/app-shop-store.js';
import { TEST_DATABASE_URL, testSchemas, withTestDatabase } from '../test-support/postgres-schema.js';
import { TEST_SECRET } from '../test-support/test-receiver.js';
import {
  APP_ID,
  type AppModeFixture,
  adminGet,
  eventually,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';
import { markUninstalled, pendingOrderThenLostUninstall } from './test-support/lost-uninstall.js';

const newSchema = testSchemas('rcv_mark_uninstalled');

describe('marking an app shop uninstalled on PostgreSQL', () => {
  const schema = newSchema();
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({
      shops: ['lost', 'kept'],
      config: {
        databaseUrl: TEST_DATABASE_URL,
        databaseSchema: schema,
        shops: [{ name: 'configured', handlers: ['audit'] }],
      },
    });
  });
  afterAll(async () => {
    await f?.close();
  });

  const admin = (path: string) => adminGet(f.baseUrl, path);
  const shop = async (name: string) =>
    ((await admin('/shops')).items as Array<Record<string, unknown>>).find((s) => s.name === name);

  it('has the effects of the real uninstall call in the PostgreSQL store', async () => {
    expect(f.receiver.store.kind).toBe('postgres');
    await f.sandbox.apps.install(APP_ID, 'lost');
    await f.sandbox.apps.install(APP_ID, 'kept');

    // A job that has not run yet, then the owner uninstalls while the UninstallUri cannot be reached.
    const { waiting, uninstallStatus } = await pendingOrderThenLostUninstall(f, 'lost', 11);
    expect(uninstallStatus).toBeNull();
    expect(await shop('lost')).toMatchObject({ status: 'installed' });

    // Scheduled recovery passes failed meanwhile (the app's token refused for the shop).
    const failed = new Date();
    const failedPass = {
      startedAt: failed,
      finishedAt: failed,
      outcome: 'failed' as const,
      since: failed,
      ordersRead: 0,
      subscribersRead: 0,
      recovered: {},
      alreadyStored: 0,
      error: 'refused',
    };
    await f.receiver.store.recordRecoveryPass('lost', { pass: failedPass, watermark: null });
    await f.receiver.store.recordRecoveryPass('lost', { pass: failedPass, watermark: null });
    expect((await f.receiver.store.getRecoveryState('lost'))?.consecutiveFailures).toBe(2);

    const response = await markUninstalled(f.baseUrl, 'lost');
    const answer = await response.json();
    expect(response.status, JSON.stringify(answer)).toBe(200);
    expect(answer).toMatchObject({ ok: true, shop: 'lost', cancelledJobs: 1, alreadyUninstalled: false });
    // …ended with the install they were about (they set a re-install's backoff otherwise)
    expect((await f.receiver.store.getRecoveryState('lost'))?.consecutiveFailures).toBe(0);

    // Written to this run's schema.
    const rows = await withTestDatabase(
      async (client) =>
        (
          await client.query(`SELECT status, uninstalled_at FROM "${schema}".app_shops WHERE shop = $1`, [
            'lost',
          ])
        ).rows,
    );
    expect(rows).toEqual([{ status: 'uninstalled', uninstalled_at: new Date(answer.uninstalledAt) }]);

    const cancelled = (await admin(`/events/${waiting.id}`)).event;
    expect(cancelled.status).toBe('dead');
    expect(cancelled.jobs[0]).toMatchObject({ status: 'dead', lastError: CANCELLED_BY_UNINSTALL });

    const late = await fetch(
      `${f.baseUrl}${signDeliveryPath({ shop: 'lost', event: 'order_confirm' }, TEST_SECRET)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"orders":{"order":[{"innerId":"1"}]}}',
      },
    );
    expect(late.status).toBe(404);
    expect((await admin('/recovery')).shops).not.toContain('lost');
    expect((await admin('/recovery')).shops).toContain('kept');

    await f.receiver.store.enableHandler('audit');
    const uninstalled = await eventually(async () => {
      const items = (await admin('/events?shop=lost&event=app_uninstalled')).items as Array<
        Record<string, string>
      >;
      return items[0]?.status === 'succeeded' ? items[0] : undefined;
    });
    expect((await admin(`/events/${uninstalled.id}`)).event.payload).toEqual({
      shop: 'lost',
      uninstalledAt: answer.uninstalledAt,
      cancelledJobs: 1,
      uninstalledBy: 'operator',
    });
  });

  it('a second call says already uninstalled; a config-file shop and an unknown one are refused', async () => {
    const before = await shop('lost');
    const again = await markUninstalled(f.baseUrl, 'lost');
    expect(again.status).toBe(200);
    const first = (await admin('/deliveries?shop=lost&event=app_uninstalled')).items as Array<{ id: string }>;
    expect(first).toHaveLength(1);
    expect(await again.json()).toMatchObject({
      shop: 'lost',
      uninstalledAt: before?.uninstalledAt,
      cancelledJobs: 0,
      // the first mark's delivery: nothing is stored again
      deliveryId: first[0]?.id,
      alreadyUninstalled: true,
    });
    expect((await admin('/deliveries?shop=lost&event=app_uninstalled')).items).toHaveLength(1);

    const configured = await markUninstalled(f.baseUrl, 'configured');
    expect(configured.status).toBe(409);
    expect((await configured.json()).error.code).toBe('config_shop');
    const unknown = await markUninstalled(f.baseUrl, 'nowhere');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('unknown_shop');
    expect(await shop('kept')).toMatchObject({ status: 'installed' });
  });
});
