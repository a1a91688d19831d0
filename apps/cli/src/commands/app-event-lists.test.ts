/**
 * A platform app's events in the CLI's lists: an `app_uninstalled` event has no order (its subject is
 * the shop, already in the SHOP column), so its ORDER cell is `-`, never the shop's name read as an order;
 * a Payment API notification's is its charge (`charge 8401`, as `events show` names it), never a bare
 * number read as an order id — in `events list`, `dead-letters list`, `deliveries list` and `deliveries
 * show` alike, and in `events tail`'s lines (never `subscriber alpha`). A real app-mode receiver, the
 * sandbox as ShopRenter (install, a payment notification, uninstall), the app's handler forwarding to a
 * target that refuses every event (400: dead letters at once).
 */
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AppModeReceiver, startAppModeReceiver } from '../test-support/app-mode-receiver.js';
import { type CaptureServer, startCaptureServer } from '../test-support/capture-server.js';
import { adminCli, type RunningCli, startCli, tempConfigDir } from '../test-support/run-cli.js';
import { forwardTo, type Receiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'app-event-lists-admin-token-0123456789';
const APP = {
  appId: '11',
  clientId: 'cli-app-lists',
  clientSecret: 'cli-app-lists-client-secret',
  webhookSecretKey: 'cli-app-lists-webhook-key',
};
const CHARGE = 8401;
let app: AppModeReceiver;
let sandbox: RunningSandbox;
let receiver: Receiver;
let target: CaptureServer;
let base = '';
let tail: RunningCli;
const ids = { uninstall: { event: '', delivery: '' }, payment: { event: '', delivery: '' } };

const { admin } = adminCli(config.dir, () => base, ADMIN_TOKEN);

beforeAll(async () => {
  target = await startCaptureServer(() => ({ status: 400, body: 'refused' }));
  app = await startAppModeReceiver(config.dir, {
    app: APP,
    shops: ['alpha'],
    adminToken: ADMIN_TOKEN,
    secret: 'app-event-lists-url-secret-0123456789',
    handlers: { audit: forwardTo(`${target.url}/audit`) },
    appHandlers: ['audit'],
  });
  ({ sandbox, receiver, base } = app);
  expect((await sandbox.apps.install(APP.appId, 'alpha')).install.status).toBe(302);
  tail = startCli(config.dir, ['events', 'tail', '--receiver', base, '--no-color'], {
    env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  await tail.waitForErrorLine(/^following the receiver at /);
  const notified = await sandbox.apps.notify(APP.appId, {
    url: `${base}/app/payments?shop=alpha`,
    notification: { id: CHARGE, status: 'pending' },
  });
  expect(notified.response.status).toBe(200);
  expect((await sandbox.apps.uninstall(APP.appId, 'alpha')).uninstall.status).toBe(200);
  await vi.waitFor(
    async () => {
      const dead = (await receiver.store.listEvents({ shop: 'alpha', status: 'dead' })).items.length;
      if (dead !== 2) throw new Error(`${dead} of the 2 app events dead-lettered so far`);
    },
    { timeout: 30_000, interval: 50 },
  );
  for (const event of (await receiver.store.listEvents({ shop: 'alpha' })).items) {
    const which = String(event.event) === 'app_uninstalled' ? ids.uninstall : ids.payment;
    which.event = event.id;
    which.delivery = event.deliveryId;
  }
  expect(ids.uninstall.event).not.toBe('');
  expect(ids.payment.event).not.toBe('');
});

afterAll(async () => {
  await tail?.interrupt();
  await app?.close();
  await target?.close();
  config.cleanup();
});

/** The cell under `header` of the table row that contains `row` (columns cut where the header's start). */
function cell(table: string, row: string, header: string): string {
  const lines = table.split('\n');
  const head = lines.find((line) => new RegExp(`(^| )${header}( |$)`).test(line)) ?? '';
  const starts = [...head.matchAll(/\S+(?: \S+)*/g)].map((match) => match.index ?? 0);
  const column = starts.findIndex((start) => head.slice(start).startsWith(header));
  expect(column, `no ${header} column in:\n${table}`).toBeGreaterThanOrEqual(0);
  const line = lines.find((candidate) => candidate !== head && candidate.includes(row));
  expect(line, `no row with ${row} in:\n${table}`).toBeDefined();
  return (line ?? '').slice(starts[column], starts[column + 1]).trim();
}

describe("a platform app's events in the lists' ORDER column", () => {
  it('events list: app_uninstalled shows -, a payment notification its charge', async () => {
    const run = await admin('events', 'list', '--shop', 'alpha', '--no-color');
    expect(run.code, run.stderr).toBe(0);
    expect(cell(run.stdout, ids.uninstall.event, 'ORDER')).toBe('-');
    expect(cell(run.stdout, ids.payment.event, 'ORDER')).toBe(`charge ${CHARGE}`);
  });

  it('dead-letters list: the same', async () => {
    const run = await admin('dead-letters', 'list', '--no-color');
    expect(run.code, run.stderr).toBe(0);
    expect(cell(run.stdout, ids.uninstall.event, 'ORDER')).toBe('-');
    expect(cell(run.stdout, ids.payment.event, 'ORDER')).toBe(`charge ${CHARGE}`);
  });

  it('deliveries list (ORDERS) and deliveries show (ORDER): the same', async () => {
    const list = await admin('deliveries', 'list', '--shop', 'alpha', '--no-color');
    expect(list.code, list.stderr).toBe(0);
    expect(cell(list.stdout, ids.uninstall.delivery, 'ORDERS')).toBe('-');
    expect(cell(list.stdout, ids.payment.delivery, 'ORDERS')).toBe(`charge ${CHARGE}`);
    const uninstall = await admin('deliveries', 'show', ids.uninstall.delivery, '--no-color');
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect(cell(uninstall.stdout, ids.uninstall.event, 'ORDER')).toBe('-');
    const payment = await admin('deliveries', 'show', ids.payment.delivery, '--no-color');
    expect(cell(payment.stdout, ids.payment.event, 'ORDER')).toBe(`charge ${CHARGE}`);
  });

  it("events tail: the payment's line names its charge, the uninstall's names no subject", async () => {
    await tail.waitForLine(/ {2}alpha {2}app_uninstalled {2}/);
    const lines = tail.stdout().split('\n');
    const payment = lines.find((line) => / {2}alpha {2}payment_status {2}/.test(line) && !line.includes('→'));
    expect(payment).toMatch(
      new RegExp(`^\\d\\d:\\d\\d:\\d\\d {2}alpha {2}payment_status {2}charge ${CHARGE} {2}`),
    );
    const uninstall = lines.find(
      (line) => / {2}alpha {2}app_uninstalled {2}/.test(line) && !line.includes('→'),
    );
    // then its event's status as tail read it (stored, or already dead under load): no subject first
    expect(uninstall).toMatch(
      /^\d\d:\d\d:\d\d {2}alpha {2}app_uninstalled {2}(?!subscriber|#|charge|alpha)\S/,
    );
    expect(tail.stdout()).not.toMatch(/subscriber (alpha|8401)/);
  });
});
