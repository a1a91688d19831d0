import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';
import { type Receiver, startTestReceiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'erase-command-token-abcdef0123456789';
const EVA = 'eva.cli@example.hu';
const PETER = 'peter.cli@example.hu';
let receiver: Receiver;
let base = '';
const ids: Record<string, string> = {};

const erase = (...args: string[]) =>
  runCli(config.dir, ['erase', ...args, '--receiver', base], { env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } });

async function ingest(innerId: string, email: string, handlers: string[]): Promise<string> {
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
    [{ dedupeKey: `order:${innerId}`, subjectId: innerId, payload: { innerId, email, lastname: 'Cli' } }],
    handlers,
  );
  return result.events[0]?.id ?? '';
}

beforeAll(async () => {
  ({ receiver, url: base } = await startTestReceiver(config.dir, {
    secrets: ['erase-command-url-secret-0123456789'],
    adminToken: ADMIN_TOKEN,
  }));
  ids.eva = await ingest('801', EVA, []);
  ids.peter = await ingest('802', PETER, ['erp']);
});
afterAll(async () => {
  await receiver.close();
  config.cleanup();
});

describe('srhooks erase', () => {
  it('--dry-run shows what would be erased, then erases; --json answers the ids and counts', async () => {
    const dry = await erase('--email', EVA.toUpperCase(), '--reason', 'GDPR-2026-040', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^dry run: would erase the personal data of 1 event and 1 delivery$/m);
    expect(dry.stdout).toMatch(/^ {2}acme order_confirm stored: 1 event$/m);
    expect(dry.stdout).toContain(ids.eva);
    expect(dry.stdout).not.toMatch(/eva\.cli/i);
    expect((await receiver.store.getEvent(ids.eva ?? ''))?.erasure).toBeUndefined();

    const run = await runCli(
      config.dir,
      ['erase', '--email', EVA, '--reason', 'GDPR-2026-040', '--receiver', base, '--json'],
      { env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } },
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      receiver: base,
      dryRun: false,
      erased: true,
      reason: 'GDPR-2026-040',
      events: [{ id: ids.eva, shop: 'acme', event: 'order_confirm' }],
      cancelledJobs: 0,
      walCheckpointed: true,
    });
    const event = await receiver.store.getEvent(ids.eva ?? '');
    expect(event).toMatchObject({ payload: {}, erasure: { reason: 'GDPR-2026-040' } });

    const shown = await runCli(
      config.dir,
      ['events', 'show', ids.eva ?? '', '--reveal', '--receiver', base],
      {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
      },
    );
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/erased\s+\S.* \(GDPR-2026-040\)/);
    expect(shown.stdout).toMatch(/personal data erased on request: no payload is kept/);

    const again = await erase('--email', EVA, '--reason', 'GDPR-2026-040');
    expect(again.code).toBe(0);
    // Says what was looked for, not that nothing stored holds the address (a comment may).
    expect(again.stdout).toMatch(/^✔ nothing matched \(nothing erased\)$/m);
    expect(again.stdout).toMatch(
      /^ {2}looked for: the address in orders' and subscribers' e-mail field .* an address written only in another field \(a comment\) is not looked for$/m,
    );
    const dryNothing = await erase('--email', EVA, '--reason', 'GDPR-2026-040', '--dry-run');
    expect(dryNothing.stdout).toMatch(
      /^dry run: would erase the personal data of 0 events and 0 deliveries$/m,
    );
    expect(dryNothing.stdout).toMatch(
      /^ {2}looked for: the address in orders' and subscribers' e-mail field /m,
    );
  });

  it('by order id or subscriber id, the looked-for line names what was searched, not the e-mail search', async () => {
    const order = await erase('--shop', 'acme', '--order-id', '9999', '--reason', 'GDPR-2026-042');
    expect(order.code).toBe(0);
    expect(order.stdout).toBe(
      '✔ nothing matched (nothing erased)\n' +
        "  looked for: order 9999 of acme: its order events by innerId and the shop's quarantined order deliveries whose raw body holds that innerId\n",
    );
    const subscriber = await erase(
      '--shop',
      'acme',
      '--subscriber-id',
      '4242',
      '--reason',
      'GDPR-2026-042',
      '--dry-run',
    );
    expect(subscriber.stdout).toBe(
      'dry run: would erase the personal data of 0 events and 0 deliveries\n' +
        "  looked for: newsletter subscriber 4242 of acme: its newsletter events by subscriber id and the shop's quarantined newsletter deliveries whose raw body holds that id\n",
    );
    // several: each named (any matches); the address itself is never printed
    const both = await erase(
      '--email',
      'nobody.cli@example.hu',
      '--shop',
      'acme',
      '--order-id',
      '9999',
      '--reason',
      'GDPR-2026-042',
      '--json',
    );
    expect(JSON.parse(both.stdout).lookedFor).toEqual({ email: true, shop: 'acme', orderId: '9999' });
    expect(both.stdout).not.toContain('nobody.cli');
    const bothText = await erase(
      '--email',
      'nobody.cli@example.hu',
      '--shop',
      'acme',
      '--order-id',
      '9999',
      '--reason',
      'GDPR-2026-042',
    );
    expect(bothText.stdout).toMatch(
      /^ {2}looked for: the address in orders' and subscribers' e-mail field .* is not looked for; and order 9999 of acme: its order events by innerId .*$/m,
    );
  });

  it('is refused with exit 2 while the event has an unfinished job; --include-unfinished cancels it', async () => {
    const refused = await erase('--shop', 'acme', '--order-id', '802', '--reason', 'GDPR-2026-041');
    expect(refused.code).toBe(2);
    // the CLI's own flag on the fix line, not the admin API's field (includeUnfinished)
    expect(refused.stderr).toBe(
      'error: 1 unfinished job (pending or running) of the 1 matched event would send this data on: nothing was erased\n' +
        'wait until it finishes, or run the same command with --include-unfinished, which cancels it (its handlers then do not send this data)\n',
    );
    const json = await runCli(
      config.dir,
      [
        'erase',
        '--shop',
        'acme',
        '--order-id',
        '802',
        '--reason',
        'GDPR-2026-041',
        '--receiver',
        base,
        '--json',
      ],
      { env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } },
    );
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { code: 'unfinished_jobs', hint: expect.stringContaining('--include-unfinished') },
    });
    expect(json.stdout).not.toContain('includeUnfinished');
    expect((await receiver.store.getEvent(ids.peter ?? ''))?.erasure).toBeUndefined();

    const run = await erase(
      '--shop',
      'acme',
      '--order-id',
      '802',
      '--reason',
      'GDPR-2026-041',
      '--include-unfinished',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /✔ erased the personal data of 1 event and 1 delivery \(reason: GDPR-2026-041\)/,
    );
    expect(run.stdout).toMatch(/1 unfinished job cancelled/);
    expect(run.stdout).toMatch(/not reached: copies already sent/);
    expect((await receiver.store.getEvent(ids.peter ?? ''))?.jobs[0]?.status).toBe('dead');
  });

  it('refuses bad usage with exit 2 and says what to give', async () => {
    const whose = await erase('--reason', 'GDPR-1');
    expect(whose.code).toBe(2);
    expect(whose.stderr).toMatch(/--email <address>, or --order-id <innerId> or --subscriber-id <id>/);
    const noShop = await erase('--order-id', '5', '--reason', 'GDPR-1');
    expect(noShop.code).toBe(2);
    expect(noShop.stderr).toMatch(/--order-id needs --shop/);
    const noSubscriberShop = await erase('--subscriber-id', '77', '--reason', 'GDPR-1');
    expect(noSubscriberShop.code).toBe(2);
    expect(noSubscriberShop.stderr).toMatch(/--subscriber-id needs --shop/);
    const noReason = await erase('--email', EVA);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason/);
    const personal = await erase('--email', EVA, '--reason', `request from ${EVA}`);
    expect(personal.code).toBe(2);
    expect(personal.stderr).toMatch(/--reason is invalid: must not hold personal data/);
  });

  it('--subscriber-id with --shop erases a newsletter subscriber by its id (an unsubscribe holds no address)', async () => {
    const stored = await receiver.store.ingest(
      {
        shop: 'acme',
        event: 'newsletter_unsubscribe',
        receivedAt: new Date(),
        remoteAddress: '203.0.113.7',
        headers: {},
        contentType: 'application/json',
        rawBody: Buffer.from(
          JSON.stringify({ newsletter: { subscriber: [{ id: '977', firstname: 'Cli' }] } }),
        ),
      },
      [{ dedupeKey: 'subscriber:977:x', subjectId: '977', payload: { id: '977', firstname: 'Cli' } }],
      [],
    );
    const done = await erase(
      '--shop',
      'acme',
      '--subscriber-id',
      '977',
      '--reason',
      'GDPR-2026-043',
      '--json',
    );
    expect(done.code).toBe(0);
    const answer = JSON.parse(done.stdout) as { erased: boolean; events: Array<{ id: string }> };
    expect(answer).toMatchObject({ erased: true, events: [{ id: stored.events[0]?.id }] });
    expect((await receiver.store.getEvent(stored.events[0]?.id ?? ''))?.payload).toEqual({});
  });
});
