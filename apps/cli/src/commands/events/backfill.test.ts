/**
 * `srhooks events backfill`: a handler added to a running shop gets the orders that arrived before it.
 * Three orders reach a receiver whose shop has no handler, and one customer's personal data is erased
 * (`srhooks erase`); the receiver restarts on the same SQLite file with an `erp` forward handler; a dry
 * run counts the two it can replay and leaves the erased one out, the backfill replays those two, and the
 * ERP (a real HTTP server) receives both and nothing else; a second backfill finds nothing to do.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { adminCli, runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { forwardTo, type Receiver, startTestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'backfill-url-secret-0123456789abcdef';
const ADMIN_TOKEN = 'backfill-admin-token-0123456789abcdef';
let receiver: Receiver;
let erp: CaptureServer;
let base = '';
const from = new Date(Date.now() - 60_000).toISOString();
const eventIds: string[] = [];
let erasedId = '';
/** The line that says why the erased event is left out. */
const ERASED_LINE =
  '  1 event left out: its personal data was erased on request (srhooks erase), so nothing is left to replay';

const { admin, adminJson } = adminCli(config.dir, () => base, ADMIN_TOKEN);

beforeAll(async () => {
  erp = await startCaptureServer();
  const before = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme', handlers: [] }],
  });
  const url = before.deliveryUrl({ shop: 'acme', event: 'order_confirm' });
  for (const seed of ['first', 'second']) {
    const sent = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url, '--seed', seed]);
    if (sent.code !== 0) throw new Error(sent.stderr);
  }
  eventIds.push(...(await before.receiver.store.listEvents({ shop: 'acme' })).items.map((event) => event.id));
  const erasedOrder = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url, '--seed', 'erased']);
  if (erasedOrder.code !== 0) throw new Error(erasedOrder.stderr);
  erasedId = (await before.receiver.store.listEvents({ shop: 'acme', limit: 1 })).items[0]?.id ?? '';
  const erased = await before.receiver.store.erasePersonalData({
    eventIds: [erasedId],
    reason: 'GDPR-2026-090',
    dryRun: false,
    includeUnfinished: false,
  });
  if (!erased.erased) throw new Error('the order was not erased');
  await before.receiver.close();
  // The same store, now with the ERP handler configured for the shop.
  const after = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme', handlers: ['erp'] }],
    handlers: { erp: forwardTo(`${erp.url}/erp`) },
  });
  ({ receiver, url: base } = after);
});
afterAll(async () => {
  await receiver?.close();
  await erp?.close();
  config.cleanup();
});

describe('srhooks events backfill', () => {
  it('counts in a dry run what it would replay, and sends nothing', async () => {
    const dry = await admin(
      'events',
      'backfill',
      '--handler',
      'erp',
      '--from',
      from,
      '--missing-only',
      '--dry-run',
    );
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^dry run: would replay 2 events received from \S+ to \S+ to erp\n/);
    expect(dry.stdout.split('\n').slice(1)).toEqual([ERASED_LINE, '']);
    expect(erp.requests).toHaveLength(0);
  });

  it("replays them to the new handler, and the handler's target receives both", async () => {
    const run = await adminJson('events', 'backfill', '--handler', 'erp', '--from', from, '--missing-only');
    expect(run).toMatchObject({ ok: true, dryRun: false, handler: 'erp', events: 2, skipped: { erased: 1 } });
    await vi.waitFor(() => expect(erp.requests).toHaveLength(2), { timeout: 15_000, interval: 50 });
    const ids = erp.requests.map(
      (request) => (JSON.parse(request.body.toString()) as { data: { eventId: string } }).data.eventId,
    );
    expect(ids.sort()).toEqual(eventIds.slice().sort());
    await vi.waitFor(
      async () => {
        for (const id of eventIds) expect((await receiver.store.getEvent(id))?.status).toBe('succeeded');
      },
      { timeout: 15_000, interval: 50 },
    );
    // The erased order was not replayed: no job of erp, nothing sent.
    expect((await receiver.store.getEvent(erasedId))?.jobs).toEqual([]);
    expect(erp.requests).toHaveLength(2);
  });

  it('says that the jobs wait when an operator disabled the handler', async () => {
    await receiver.store.disableHandler('erp', { reason: 'paused', by: 'operator' });
    try {
      const dry = await admin('events', 'backfill', '--handler', 'erp', '--from', from, '--dry-run');
      expect(dry.stdout).toContain(
        '! erp is disabled by an operator: its jobs wait until srhooks handlers enable erp',
      );
    } finally {
      await receiver.store.enableHandler('erp');
    }
  });

  it('a second backfill finds nothing missing and says why it left them out', async () => {
    const again = await admin('events', 'backfill', '--handler', 'erp', '--from', from, '--missing-only');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('✔ nothing to replay to erp: no event received from ');
    expect(again.stdout).toContain(
      '2 events left out: a job of erp ran already (--missing-only; without it they are replayed too)',
    );
    expect(again.stdout).toContain(ERASED_LINE);
  });

  it('refuses a handler that is not configured, naming the configured ones', async () => {
    const refused = await admin('events', 'backfill', '--handler', 'crm', '--from', from);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('error: --handler "crm" is not configured; configured handlers: erp');
    const missing = await admin('events', 'backfill', '--from', from);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("required option '--handler <name>' not specified");
  });
});
