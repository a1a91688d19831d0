/**
 * `srhooks events list` and `srhooks deliveries list` show erased rows as such (`, erased` after the
 * status, `erasure` in `--json`) and filter by `--erased yes|no`; another value exits 2 naming the
 * option. Against a real receiver (in-process, HTTP, a real SQLite file) whose data `srhooks erase` erased.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli, tempConfigDir } from '../test-support/run-cli.js';
import { type Receiver, startTestReceiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'erased-lists-token-abcdef0123456789';
const EMAIL = 'erased.lists.cli@example.hu';
const REASON = 'GDPR-2026-090';
let receiver: Receiver;
let base = '';
const ids = {
  erasedDelivery: '',
  keptDelivery: '',
  erasedEvent: '',
  keptEvent: '',
  laterEvent: '',
  laterDelivery: '',
};

const { admin, adminJson } = adminCli(config.dir, () => base, ADMIN_TOKEN);

async function ingest(innerId: string, email: string): Promise<{ deliveryId: string; eventId: string }> {
  const result = await receiver.store.ingest(
    {
      shop: 'acme',
      event: 'order_confirm',
      receivedAt: new Date(),
      remoteAddress: '203.0.113.7',
      headers: {},
      contentType: 'application/json',
      rawBody: Buffer.from(JSON.stringify({ orders: { order: [{ innerId, email }] } })),
    },
    [{ dedupeKey: `order:${innerId}`, subjectId: innerId, payload: { innerId, email, lastname: 'Lista' } }],
    [],
  );
  return { deliveryId: result.deliveryId, eventId: result.events[0]?.id ?? '' };
}

beforeAll(async () => {
  ({ receiver, url: base } = await startTestReceiver(config.dir, {
    secrets: ['erased-lists-url-secret-0123456789'],
    adminToken: ADMIN_TOKEN,
  }));
  const erased = await ingest('901', EMAIL);
  const kept = await ingest('902', 'kept.cli@example.hu');
  ids.erasedDelivery = erased.deliveryId;
  ids.erasedEvent = erased.eventId;
  ids.keptDelivery = kept.deliveryId;
  ids.keptEvent = kept.eventId;
  const later = await ingest('903', 'later.cli@example.hu');
  ids.laterDelivery = later.deliveryId;
  ids.laterEvent = later.eventId;
  const run = await admin('erase', '--email', EMAIL, '--reason', REASON);
  expect(run.code, run.stderr).toBe(0);
});
afterAll(async () => {
  await receiver.close();
  config.cleanup();
});

/** The table line of a row (its id first). */
function line(stdout: string, id: string): string {
  return stdout.split('\n').find((row) => row.startsWith(id)) ?? '';
}

describe('erased rows in srhooks events list and deliveries list', () => {
  it('events list marks an erased event in the table and gives its erasure in --json', async () => {
    const table = await admin('events', 'list');
    expect(table.code).toBe(0);
    expect(line(table.stdout, ids.erasedEvent)).toMatch(/\s#901\s+stored, erased$/);
    expect(line(table.stdout, ids.keptEvent)).not.toContain('erased');
    expect(table.stdout).toContain('erased: personal data erased on request (srhooks erase)');
    // the status column keeps to its widest value: the header row lines up with the marked row
    const header = table.stdout.split('\n')[0] ?? '';
    expect(header.indexOf('STATUS')).toBe(line(table.stdout, ids.erasedEvent).indexOf('stored, erased'));

    const json = await adminJson('events', 'list');
    const byId = new Map(json.items.map((item: { id: string }) => [item.id, item]));
    expect(byId.get(ids.erasedEvent)).toMatchObject({
      erasure: { at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/), reason: REASON },
    });
    expect(byId.get(ids.keptEvent)).not.toHaveProperty('erasure');
    // the same erasure as events show gives
    const shown = await adminJson('events', 'show', ids.erasedEvent);
    expect(byId.get(ids.erasedEvent)).toMatchObject({ erasure: shown.event.erasure });
  });

  it('deliveries list marks an erased delivery and gives erasure in --json (its events too)', async () => {
    const table = await admin('deliveries', 'list');
    expect(table.code).toBe(0);
    expect(line(table.stdout, ids.erasedDelivery)).toMatch(/\sstored, erased\s+#901\s/);
    expect(line(table.stdout, ids.keptDelivery)).not.toContain('erased');
    expect(table.stdout).toContain('erased: personal data erased on request (srhooks erase)');

    const json = await adminJson('deliveries', 'list');
    const erased = json.items.find((item: { id: string }) => item.id === ids.erasedDelivery);
    expect(erased).toMatchObject({ erasure: { reason: REASON }, events: [{ erasure: { reason: REASON } }] });
    const kept = json.items.find((item: { id: string }) => item.id === ids.keptDelivery);
    expect(kept).not.toHaveProperty('erasure');
  });

  it('deliveries show says when and why a delivery was erased, marks its erased events and offers no reprocess or body', async () => {
    const shown = await admin('deliveries', 'show', ids.erasedDelivery, '--reveal');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^erased\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(GDPR-2026-090\)$/m);
    expect(line(shown.stdout, ids.erasedEvent)).toMatch(/\sstored, erased$/);
    expect(shown.stdout).toContain('personal data erased on request: the body as received is not kept');
    expect(shown.stdout).not.toContain('raw body (');
    const kept = await admin('deliveries', 'show', ids.keptDelivery, '--reveal');
    expect(kept.stdout).not.toMatch(/^erased/m);
    expect(kept.stdout).toContain('raw body (');
  });

  it('--erased yes|no filters both lists and is kept in the next page command', async () => {
    const ofList = async (...args: string[]) =>
      (await adminJson(...args)).items.map((item: { id: string }) => item.id);
    expect(await ofList('events', 'list', '--erased', 'yes')).toEqual([ids.erasedEvent]);
    expect(await ofList('events', 'list', '--erased', 'no')).toEqual([ids.laterEvent, ids.keptEvent]);
    expect(await ofList('deliveries', 'list', '--erased', 'yes')).toEqual([ids.erasedDelivery]);
    expect(await ofList('deliveries', 'list', '--erased', 'no')).toEqual([
      ids.laterDelivery,
      ids.keptDelivery,
    ]);

    const paged = await admin('events', 'list', '--erased', 'no', '--shop', 'acme', '--limit', '1');
    expect(line(paged.stdout, ids.laterEvent)).toMatch(/\sstored$/);
    expect(paged.stdout).toContain(
      `more: srhooks events list --shop acme --erased no --limit 1 --cursor ${ids.laterEvent}\n`,
    );
    // nothing of the other kind: the list says so (acme is served by no config here, but has rows)
    expect(
      (await admin('deliveries', 'list', '--erased', 'yes', '--shop', 'acme', '--to', '2000-01-01')).stdout,
    ).toBe(`no deliveries at ${base} match --shop acme --erased yes --to 2000-01-01\n`);
    // a shop neither served nor stored is a typo, not an empty list
    const other = await admin('deliveries', 'list', '--erased', 'yes', '--shop', 'other');
    expect(other.code).toBe(2);
    expect(other.stderr).toBe(
      `error: unknown shop "other": not served by ${base}, and nothing of it is stored there\nthis receiver serves no shops yet\n`,
    );
  });

  it.each([
    ['events', 'maybe'],
    ['deliveries', 'true'],
  ])('%s list --erased %s exits 2 naming the option and its choices', async (group, value) => {
    const run = await admin(group, 'list', '--erased', value);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: option '--erased <yes|no>' argument '${value}' is invalid. Allowed choices are yes, no.`,
    );
    expect(run.stdout).toBe('');
  });
});
