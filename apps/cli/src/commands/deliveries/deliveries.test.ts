/**
 * `srhooks deliveries list|show|reprocess` against a real receiver (in-process, HTTP on port 0, a real
 * SQLite file) whose body limit is the minimum, 1 KiB: a real-format order delivery sent by
 * `srhooks trigger` is over it and quarantined `too_large`; `reprocess` stores its event and the
 * forward handler runs. A delivery of broken JSON that quotes a customer stays quarantined
 * (`still_undecodable`); its decode error and raw body are masked until `--reveal`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { adminCli, type CliRun, runCli, seenOutput, tempConfigDir } from '../../test-support/run-cli.js';
import { forwardTo, type Receiver, startTestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'deliveries-url-secret-0123456789abcdef';
const ADMIN_TOKEN = 'deliveries-admin-token-0123456789abcdef';
/** What the broken delivery quotes (an e-mail address and a name): never printed without --reveal. */
const BROKEN_BODY =
  '{"orders":{"order":[{"innerId":"77","firstname":"Zsófia","lastname":"Bárány","email":"barany.zsofia@example.com"';
const PERSONAL = ['zsofia@example.com', 'Bárány', 'Zsófia'];
const BROKEN_BYTES = Buffer.byteLength(BROKEN_BODY);

let receiver: Receiver;
let target: CaptureServer;
let base = '';
let tooLargeId = '';
let brokenId = '';
/** The sample order's customer ("Firstname Lastname"), read from the store once re-processed. */
let customer = '';
/** Output of every run without --reveal: none may hold personal data. */
const masked: CliRun[] = [];

const { admin, adminJson } = adminCli(
  config.dir,
  () => base,
  ADMIN_TOKEN,
  (args, run) => {
    if (!args.includes('--reveal')) masked.push(run);
  },
);

beforeAll(async () => {
  target = await startCaptureServer();
  const started = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    bodyLimit: 1024,
    shops: [{ name: 'acme', handlers: ['erp'] }],
    handlers: { erp: forwardTo(`${target.url}/erp`) },
  });
  ({ receiver, url: base } = started);
  const url = started.deliveryUrl({ shop: 'acme', event: 'order_confirm' });

  const sent = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url, '--seed', 'big', '--json']);
  const answer = JSON.parse(JSON.parse(sent.stdout).response.body);
  expect(answer.error.code).toBe('too_large');
  tooLargeId = answer.deliveryId;

  const broken = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BROKEN_BODY,
  });
  expect(broken.status).toBe(400);
  brokenId = ((await broken.json()) as { deliveryId: string }).deliveryId;
});
afterAll(async () => {
  await receiver.close();
  await target.close();
  config.cleanup();
});

describe('srhooks deliveries (receiver admin API)', () => {
  it('list shows both quarantined deliveries with their reasons, decode errors masked until --reveal', async () => {
    const result = await adminJson('deliveries', 'list', '--status', 'quarantined');
    expect(result).toMatchObject({ receiver: base, revealed: false, nextCursor: null });
    expect(result.items.map((item: { id: string }) => item.id)).toEqual([brokenId, tooLargeId]);
    const [broken, tooLarge] = result.items;
    expect(tooLarge).toMatchObject({
      shop: 'acme',
      event: 'order_confirm',
      status: 'quarantined',
      events: [],
    });
    expect(tooLarge.decodeError.code).toBe('too_large');
    expect(broken.decodeError.code).toBe('invalid_json');
    expect(broken.decodeError.message).toContain('near [hidden]');

    const revealed = await adminJson('deliveries', 'list', '--status', 'quarantined', '--reveal');
    expect(revealed.revealed).toBe(true);
    expect(revealed.items[0].decodeError.message).toContain('near ".zsofia@example.com');

    const table = await admin('deliveries', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+RECEIVED\s+SHOP\s+EVENT\s+STATUS\s+ORDERS\s+CUSTOMER\s+BYTES\n/);
    expect(table.stdout).toMatch(
      new RegExp(
        `^${tooLargeId}\\s+\\d{4}-\\d\\d-\\d\\d \\S+Z\\s+acme\\s+order_confirm\\s+quarantined \\(too_large\\)\\s+\\d+$`,
        'm',
      ),
    );
    expect(table.stdout).toMatch(
      new RegExp(`^${brokenId}\\s.*quarantined \\(invalid_json\\)\\s+${BROKEN_BYTES}$`, 'm'),
    );
    expect(table.stdout).toContain('srhooks deliveries show ID says why one is quarantined');
    expect(table.stdout).toContain(
      'personal data masked; --reveal shows customer names and decode errors whole',
    );
  });

  it('list pages with --limit and --cursor, and filters', async () => {
    const first = await adminJson('deliveries', 'list', '--limit', '1');
    expect(first.items.map((item: { id: string }) => item.id)).toEqual([brokenId]);
    expect(first.nextCursor).toMatch(/^dlv_/);
    const human = await admin('deliveries', 'list', '--limit', '1');
    // the next page's command keeps the filters and the page size (it kept only --cursor: the next
    // page of the whole list, not of this one)
    expect(human.stdout).toContain(`more: srhooks deliveries list --limit 1 --cursor ${first.nextCursor}\n`);
    const filtered = await admin(
      'deliveries',
      'list',
      '--status',
      'quarantined',
      '--event',
      'order_confirm',
      '--limit',
      '1',
    );
    expect(filtered.stdout).toContain(
      `more: srhooks deliveries list --event order_confirm --status quarantined --limit 1 --cursor ${first.nextCursor}\n`,
    );
    const searched = await admin(
      'deliveries',
      'list',
      '--source',
      'webhook',
      '--from',
      '2020-01-01',
      '--limit',
      '1',
    );
    expect(searched.stdout).toContain(
      `more: srhooks deliveries list --source webhook --from 2020-01-01 --limit 1 --cursor ${first.nextCursor}\n`,
    );
    const second = await adminJson('deliveries', 'list', '--limit', '1', '--cursor', first.nextCursor);
    expect(second).toMatchObject({ items: [{ id: tooLargeId }], nextCursor: null });
  });

  // (one test with the paging above, it ran into its 30 s limit on a loaded CI machine: 13 CLI runs)
  it('list filters by jobs, status and source, and refuses wrong filter values', async () => {
    // --jobs waiting: only deliveries with a job waiting to run (both here are quarantined: no job at all)
    expect((await adminJson('deliveries', 'list', '--jobs', 'waiting')).items).toEqual([]);
    const wrong = await admin('deliveries', 'list', '--jobs', 'stuck');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("argument 'stuck' is invalid. Allowed choices are waiting.");

    expect((await adminJson('deliveries', 'list', '--status', 'stored')).items).toEqual([]);
    expect((await admin('deliveries', 'list', '--source', 'recovery')).stdout).toBe(
      `no deliveries at ${base} match --source recovery\n`,
    );
    const badTime = await admin('deliveries', 'list', '--from', 'yesterday');
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('error: --from is invalid: must be an ISO 8601 date');
    const badStatus = await admin('deliveries', 'list', '--status', 'lost');
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('Allowed choices are stored, quarantined, reprocessed');
  });

  it('show masks the decode error and leaves out the raw body; --reveal shows them', async () => {
    const human = await admin('deliveries', 'show', brokenId);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^id\\s+${brokenId}\\n`));
    expect(human.stdout).toMatch(/^status\s+quarantined$/m);
    expect(human.stdout).toMatch(/^decode error\s+invalid_json: Invalid JSON .*near \[hidden\]/m);
    expect(human.stdout).toContain(`srhooks deliveries reprocess ${brokenId} decodes it again`);
    expect(human.stdout).toContain(
      'personal data masked; --reveal shows the raw body, customer names and the decode error whole',
    );
    const json = await adminJson('deliveries', 'show', brokenId);
    expect(json).toMatchObject({
      receiver: base,
      revealed: false,
      delivery: { id: brokenId, status: 'quarantined' },
    });
    expect(json.delivery.rawBody).toEqual({ bytes: BROKEN_BYTES });

    const revealed = await admin('deliveries', 'show', brokenId, '--reveal');
    expect(revealed.stdout).toContain(`raw body (${BROKEN_BYTES} bytes):\n${BROKEN_BODY}`);
    expect(revealed.stdout).toContain('near ".zsofia@example.com');
    const revealedJson = await adminJson('deliveries', 'show', brokenId, '--reveal');
    expect(revealedJson.delivery.rawBody.text).toBe(BROKEN_BODY);
    expect(Buffer.from(revealedJson.delivery.rawBody.base64, 'base64').toString()).toBe(BROKEN_BODY);
  });

  it('reprocess stores the too_large delivery’s event, and its handler runs', async () => {
    const run = await admin('deliveries', 'reprocess', tooLargeId);
    expect(run.code).toBe(0);
    const [event] = (await receiver.store.listEvents({ deliveryId: tooLargeId })).items;
    expect(event).toBeDefined();
    customer = event?.customerName ?? '';
    expect(customer).toMatch(/\S \S/);
    expect(run.stdout).toBe(
      `✔ ${tooLargeId} re-processed: 1 event stored (${event?.id})\nsrhooks events show ${event?.id} shows how its handlers ran\n`,
    );
    await expect
      .poll(async () => (await receiver.store.getEvent(event?.id ?? ''))?.status, { timeout: 10_000 })
      .toBe('succeeded');
    expect(target.requests).toHaveLength(1);

    const listed = await adminJson('deliveries', 'list', '--status', 'reprocessed');
    expect(listed.items).toEqual([
      expect.objectContaining({
        id: tooLargeId,
        status: 'reprocessed',
        events: [
          expect.objectContaining({ id: event?.id, status: 'succeeded', customerName: expect.any(String) }),
        ],
      }),
    ]);
    const maskedName = listed.items[0].events[0].customerName;
    expect(maskedName).toMatch(/^\S\*\*\*( \S\*\*\*)+$/);
    const table = await admin('deliveries', 'list', '--status', 'reprocessed');
    expect(table.stdout).toMatch(
      new RegExp(
        `^${tooLargeId}\\s.*reprocessed\\s+#${event?.orderNumber}\\s+${maskedName.replaceAll('*', '\\*')}\\s+\\d+$`,
        'm',
      ),
    );
    const revealed = await adminJson('deliveries', 'list', '--status', 'reprocessed', '--reveal');
    expect(revealed.items[0].events[0].customerName).toBe(customer);
    const shown = await adminJson('deliveries', 'show', tooLargeId);
    expect(shown.delivery.events[0]).not.toHaveProperty('payload');
    expect(shown.delivery.events[0].customerName).toBe(maskedName);
  });

  it('reprocess says why it did not happen, exit 2 for the wrong delivery or flag, 3 for an unknown one (not found) or when it stays quarantined', async () => {
    const again = await admin('deliveries', 'reprocess', tooLargeId);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `error: Delivery ${tooLargeId} is reprocessed, not quarantined: only quarantined deliveries can be re-processed.\nonly quarantined deliveries are re-processed; srhooks deliveries list --status quarantined lists them\n`,
    );

    const still = await admin('deliveries', 'reprocess', brokenId);
    expect(still.code).toBe(3);
    expect(still.stderr).toBe(
      `error: ${brokenId} stays quarantined: it still does not decode (invalid_json in document)\nit needs a decoder that reads it (a newer receiver); srhooks deliveries show ${brokenId} --reveal shows the body as received\n`,
    );
    const stillJson = await admin('deliveries', 'reprocess', brokenId, '--json');
    expect(stillJson.code).toBe(3);
    expect(JSON.parse(stillJson.stdout).error).toMatchObject({ code: 'still_undecodable', exitCode: 3 });
    expect((await receiver.store.getDelivery(brokenId))?.status).toBe('quarantined');

    const notPayment = await admin('deliveries', 'reprocess', brokenId, '--accept-shop-mismatch');
    expect(notPayment.code).toBe(2);
    expect(notPayment.stderr).toBe(
      `error: --accept-shop-mismatch is only for Payment API notifications, and ${brokenId} is not one\nrun srhooks deliveries reprocess ${brokenId} without it\n`,
    );

    for (const command of ['show', 'reprocess']) {
      const unknown = await admin('deliveries', command, 'dlv_0000000000');
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toBe(
        `error: no delivery with id "dlv_0000000000" on ${base}\nlist them with srhooks deliveries list\n`,
      );
      const invalid = await admin('deliveries', command, 'evt_12345');
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toBe(
        'error: "evt_12345" is not a delivery id: delivery ids look like dlv_01k…\nlist them with srhooks deliveries list\n',
      );
    }
  });

  it('printed no personal data without --reveal, and never the admin token', () => {
    expect(masked.length).toBeGreaterThan(10);
    for (const run of masked) {
      for (const text of [...PERSONAL, customer]) {
        expect(run.stdout + run.stderr).not.toContain(text);
      }
    }
    for (const text of seenOutput) expect(text).not.toContain(ADMIN_TOKEN);
  });
});
