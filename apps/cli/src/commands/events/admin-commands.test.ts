/**
 * `srhooks dead-letters` and `events` against a real receiver whose forward target first refuses the
 * order with an answer quoting a customer: that error text and the customer's name are personal data,
 * masked in the human output and `--json` alike until `--reveal` (as `deliveries` and `handlers` do).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import {
  adminCli,
  type CliRun,
  runCli,
  seenOutput,
  tempConfigDir,
  triggerOrders,
} from '../../test-support/run-cli.js';
import { forwardTo, type Receiver, startTestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'admin-commands-url-secret-0123456789';
const ADMIN_TOKEN = 'admin-commands-token-abcdef0123456789';
let receiver: Receiver;
let target: CaptureServer;
let targetStatus = 400;
let base = '';
/** Where `trigger` sends an order_confirm of acme (signed). */
let orderUrl = '';
let eventId = '';
/** The target's refusal quotes a customer: never printed without --reveal. */
const REFUSAL = 'customer Kovács Éva <kovacs.eva@example.com> already exists';
/** The order's customer ("Lastname Firstname"), read from the store. */
let customer = '';
/** Output of every run without --reveal (or --payload): none may hold personal data. */
const masked: CliRun[] = [];
/** The target's 400 in the receiver's own words (host and status), the refusal itself hidden. */
const HIDDEN =
  /^127\.0\.0\.1:\d+ answered 400; not retried \(client error\); the full error hidden \(\d+ characters; pass --reveal to read it\)$/;

const { admin, adminJson } = adminCli(
  config.dir,
  () => base,
  ADMIN_TOKEN,
  (args, run) => {
    if (!args.includes('--reveal') && !args.includes('--payload')) masked.push(run);
  },
);

beforeAll(async () => {
  target = await startCaptureServer(() => ({
    status: targetStatus,
    body: targetStatus === 200 ? 'ok' : REFUSAL,
  }));
  const started = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme', handlers: ['erp'] }],
    handlers: { erp: forwardTo(`${target.url}/erp`) },
  });
  ({ receiver, url: base } = started);
  const url = started.deliveryUrl({ shop: 'acme', event: 'order_confirm' });
  orderUrl = url;
  const sent = await runCli(config.dir, [
    'trigger',
    'order_confirm',
    '--to',
    url,
    '--seed',
    'admin',
    '--json',
  ]);
  if (sent.code !== 0) throw new Error(sent.stderr);
  eventId = await vi.waitFor(
    async () => {
      const [dead] = await receiver.store.listDeadLetters();
      if (!dead) throw new Error('the job is not dead-lettered yet');
      return dead.event.id;
    },
    { timeout: 10_000, interval: 50 },
  );
  customer = (await receiver.store.getEvent(eventId))?.customerName ?? '';
  expect(customer).not.toBe('');
});
afterAll(async () => {
  await receiver.close();
  await target.close();
  config.cleanup();
});

describe('srhooks dead-letters and events (receiver admin API)', () => {
  it('dead-letters list shows the job the target refused', async () => {
    const result = await adminJson('dead-letters', 'list');
    expect(result.receiver).toBe(base);
    expect(result.items).toHaveLength(1);
    expect(result.items[0]).toMatchObject({
      job: { handler: 'erp', status: 'dead', attempts: 1, lastStatusCode: 400 },
      event: { id: eventId, shop: 'acme', event: 'order_confirm', status: 'dead' },
    });
    expect(result.revealed).toBe(false);
    expect(result.items[0].job.lastError).toMatch(HIDDEN);
    expect(result.items[0].event.customerName).toMatch(/^\S\*\*\*( \S\*\*\*)*$/);
    const table = await admin('dead-letters', 'list');
    expect(table.stdout).toMatch(
      /^JOB\s+HANDLER\s+SHOP\s+EVENT\s+ORDER\s+ATTEMPTS\s+DEAD SINCE\s+LAST ERROR\n/,
    );
    expect(table.stdout).toMatch(
      new RegExp(
        `job_\\w+\\s+erp\\s+acme\\s+${eventId} order_confirm\\s+#\\d+\\s+1\\s+\\S+ \\S+\\s+HTTP 400 127\\.0\\.0\\.1:\\d+ answered 400; not retried \\(client error\\)$`,
        'm',
      ),
    );
    expect(table.stdout).toContain('personal data masked; --reveal shows the last errors whole');

    const revealed = await adminJson('dead-letters', 'list', '--reveal');
    expect(revealed.revealed).toBe(true);
    expect(revealed.items[0].job.lastError).toContain(REFUSAL);
    expect(revealed.items[0].event.customerName).toBe(customer);
    const revealedTable = await admin('dead-letters', 'list', '--reveal');
    expect(revealedTable.stdout).toMatch(/HTTP 400 http:\/\/127\.0\.0\.1:\d+\/erp answered 400/);
    expect(revealedTable.stdout).not.toContain('personal data masked');
  });

  it('dead-letters retry runs them again; the target now accepts', async () => {
    targetStatus = 200;
    const result = await adminJson('dead-letters', 'retry', '--handler', 'erp');
    expect(result).toMatchObject({
      receiver: base,
      revealed: false,
      replayed: 1,
      jobs: [{ handler: 'erp', status: 'pending' }],
    });
    // the queued job keeps its last error until it runs: masked like everywhere else
    expect(result.jobs[0].lastError).toMatch(HIDDEN);
    await expect
      .poll(async () => (await receiver.store.getEvent(eventId))?.status, { timeout: 10_000 })
      .toBe('succeeded');
    expect(target.requests).toHaveLength(2);
    expect((await adminJson('dead-letters', 'list')).items).toEqual([]);
  });

  it('events list', async () => {
    const result = await adminJson('events', 'list', '--shop', 'acme');
    expect(result).toEqual({
      receiver: base,
      revealed: false,
      nextCursor: null,
      items: [
        expect.objectContaining({
          id: eventId,
          customerName: expect.stringMatching(/^\S\*\*\*( \S\*\*\*)*$/),
          shop: 'acme',
          event: 'order_confirm',
          status: 'succeeded',
          orderNumber: expect.any(String),
          grossTotal: expect.any(String),
          currency: 'HUF',
        }),
      ],
    });
    const table = await admin('events', 'list');
    expect(table.stdout).toMatch(
      new RegExp(
        `^ID\\s+RECEIVED\\s+SHOP\\s+EVENT\\s+ORDER\\s+TOTAL\\s+STATUS\\n${eventId}\\s+\\d{4}-\\d\\d-\\d\\d \\S+Z\\s+acme\\s+order_confirm\\s+#\\d+\\s+\\d+ HUF\\s+succeeded\\n$`,
      ),
    );
    expect((await adminJson('events', 'list', '--status', 'dead')).items).toEqual([]);
    // App-mode events are filters too (this receiver has none stored).
    expect((await adminJson('events', 'list', '--event', 'payment_status')).items).toEqual([]);
    expect((await adminJson('deliveries', 'list', '--event', 'app_uninstalled')).items).toEqual([]);
    const revealed = await adminJson('events', 'list', '--shop', 'acme', '--reveal');
    expect(revealed.revealed).toBe(true);
    expect(revealed.items[0].customerName).toBe(customer);
  });

  it('events list and deliveries list --handler: only those with a job of that handler', async () => {
    const erp = await adminJson('events', 'list', '--handler', 'erp');
    expect(erp.items.map((item: { id: string }) => item.id)).toEqual([eventId]);
    // a handler this receiver does not have matches nothing: refused naming its handlers (below)
    expect((await admin('events', 'list', '--handler', 'crm')).code).toBe(2);
    const deliveries = await adminJson('deliveries', 'list', '--handler', 'erp');
    expect(deliveries.items.map((item: { events: Array<{ id: string }> }) => item.events[0]?.id)).toEqual([
      eventId,
    ]);
    expect((await admin('deliveries', 'list', '--handler', 'crm')).code).toBe(2);
    const badName = await admin('events', 'list', '--handler', 'no spaces allowed');
    expect(badName.code).toBe(2);
    // the flag, the value and what a handler name looks like; a receiver's handlers are its config file's
    expect(badName.stderr).toBe(
      'error: --handler "no spaces allowed" is not a handler name: a handler name is 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit (as console, erp or crm.v2)\n' +
        'its handlers: erp (a receiver\'s handlers are the names under "handlers" in its srhooks.config.json); srhooks handlers list shows them\n',
    );
  });

  it('events show lists every attempt', async () => {
    const result = await adminJson('events', 'show', eventId);
    expect(result.event.jobs).toHaveLength(1);
    expect(
      result.event.jobs[0].attemptLog.map((attempt: { outcome: string; statusCode: number }) => [
        attempt.outcome,
        attempt.statusCode,
      ]),
    ).toEqual([
      ['dead', 400],
      ['succeeded', 200],
    ]);
    expect(result.revealed).toBe(false);
    expect(result.event).not.toHaveProperty('payload');
    expect(result.event.customerName).toMatch(/^\S\*\*\*( \S\*\*\*)*$/);
    expect(result.event.jobs[0].attemptLog[0].error).toMatch(HIDDEN);
    const human = await admin('events', 'show', eventId);
    expect(human.stdout).toMatch(new RegExp(`^id\\s+${eventId}\\n`));
    expect(human.stdout).toMatch(
      /^erp\s+succeeded\s+1\s+\S+ \S+\s+dead\s+400\s+127\.0\.0\.1:\d+ answered 400; not retried \(client error\); the full error hidden \(\d+ characters; pass --reveal to read it\)$/m,
    );
    expect(human.stdout).toMatch(/^erp\s+succeeded\s+2\s+\S+ \S+\s+succeeded\s+200\s*$/m);
    expect(human.stdout).toContain('personal data masked; --reveal shows the payload');
    expect(human.stdout).not.toContain('"firstname"');

    const revealed = await adminJson('events', 'show', eventId, '--reveal');
    expect(revealed.revealed).toBe(true);
    expect(revealed.event.customerName).toBe(customer);
    expect(revealed.event.payload).toHaveProperty('firstname');
    expect(revealed.event.jobs[0].attemptLog[0].error).toContain(REFUSAL);
    const revealedHuman = await admin('events', 'show', eventId, '--reveal');
    expect(revealedHuman.stdout).toContain('"firstname"');
    expect(revealedHuman.stdout).toContain(REFUSAL);
    expect(revealedHuman.stdout).not.toContain('personal data masked');

    // --payload, documented before --reveal existed: the same, with a warning saying so
    const withPayload = await admin('events', 'show', eventId, '--payload');
    expect(withPayload.code).toBe(0);
    expect(withPayload.stdout).toBe(revealedHuman.stdout);
    expect(withPayload.stderr).toContain('--payload is deprecated: use --reveal');
  });

  it('events replay runs the handler again with the same webhook id', async () => {
    const result = await adminJson('events', 'replay', eventId);
    expect(result).toMatchObject({ eventId, jobs: [{ handler: 'erp' }] });
    await expect.poll(() => target.requests.length).toBe(3);
    const ids = target.requests.map(
      (request) => request.rawHeaders.find(([name]) => name.toLowerCase() === 'webhook-id')?.[1],
    );
    expect(new Set(ids).size).toBe(1);
    const human = await admin('events', 'replay', eventId, '--handler', 'erp');
    expect(human.stdout).toBe(`✔ ${eventId}: 1 job queued (erp)\n`);
  });

  it('errors: wrong token, unreachable receiver and an id it does not have exit 3, bad input exits 2', async () => {
    const wrong = await runCli(config.dir, [
      'events',
      'list',
      '--receiver',
      base,
      '--admin-token',
      'not-the-admin-token-at-all',
    ]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toBe(
      `error: the receiver at ${base} refused the admin token given with --admin-token\npass the token the receiver was started with (its SRHOOKS_ADMIN_TOKEN; a srhooks listen's is adminToken in its config directory's listen.json)\n`,
    );
    expect(wrong.stderr).not.toContain('not-the-admin-token-at-all');
    const none = await runCli(config.dir, ['events', 'list', '--receiver', base]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no admin token');
    const down = await runCli(config.dir, [
      'dead-letters',
      'list',
      '--receiver',
      'http://127.0.0.1:1',
      '--admin-token',
      ADMIN_TOKEN,
    ]);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot reach the receiver at http://127.0.0.1:1');
    // an id the receiver does not have: the receiver said no (404), exit 3 as webhooks get's unknown id
    for (const command of ['show', 'replay']) {
      const unknown = await admin('events', command, 'evt_0000000000');
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toBe(
        `error: no event with id "evt_0000000000" on ${base}\nlist them with srhooks events list\n`,
      );
      const json = await admin('events', command, 'evt_0000000000', '--json');
      expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'not_found', exitCode: 3 });
    }
    const badTime = await admin('events', 'list', '--from', 'yesterday');
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('error: --from is invalid: must be an ISO 8601 date');
  });

  it('an id that is not an event id is refused before calling, naming what ids look like', async () => {
    for (const command of ['show', 'replay']) {
      const run = await admin('events', command, '12345');
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'error: "12345" is not an event id: event ids look like evt_01k…\nlist them with srhooks events list\n',
      );
    }
  });

  it('dead-letters list/retry --handler with an unknown handler says so, with the one a typo meant; a known one with none is fine', async () => {
    for (const command of ['list', 'retry']) {
      const run = await admin('dead-letters', command, '--handler', 'erpp');
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `error: unknown handler "erpp": not configured on ${base}\ndid you mean --handler erp? its handlers: erp\n`,
      );
      const far = await admin('dead-letters', command, '--handler', 'warehouse-sync');
      expect(far.stderr).toBe(
        `error: unknown handler "warehouse-sync": not configured on ${base}\nits handlers: erp\n`,
      );
    }
    const json = await admin('dead-letters', 'list', '--handler', 'erpp', '--json');
    expect(JSON.parse(json.stdout).error).toMatchObject({
      code: 'unknown_handler',
      hint: 'did you mean --handler erp? its handlers: erp',
    });
    const known = await admin('dead-letters', 'list', '--handler', 'erp', '--to', '2000-01-01');
    expect(known.code).toBe(0);
    expect(known.stdout).toBe(`✔ no dead letters at ${base} match --handler erp --to 2000-01-01\n`);
  });

  it('events list / deliveries list --handler with an unknown handler say so (a typo is no empty list), with the one it meant; a known one with none is fine', async () => {
    for (const group of ['events', 'deliveries']) {
      const run = await admin(group, 'list', '--handler', 'erpp');
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `error: unknown handler "erpp": not configured on ${base}\ndid you mean --handler erp? its handlers: erp\n`,
      );
      const far = await admin(group, 'list', '--handler', 'warehouse-sync');
      expect(far.stderr).toBe(
        `error: unknown handler "warehouse-sync": not configured on ${base}\nits handlers: erp\n`,
      );
      const known = await admin(group, 'list', '--handler', 'erp', '--to', '2000-01-01');
      expect(known.code, known.stderr).toBe(0);
      expect(known.stdout).toBe(`no ${group} at ${base} match --handler erp --to 2000-01-01\n`);
    }
  });

  it('events list / deliveries list --shop with a shop the receiver does not serve say so; a served one with none is fine', async () => {
    for (const group of ['events', 'deliveries']) {
      const run = await admin(group, 'list', '--shop', 'acmee');
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `error: unknown shop "acmee": not served by ${base}, and nothing of it is stored there\nits shops: acme\n`,
      );
      const json = await admin(group, 'list', '--shop', 'acmee', '--json');
      expect(JSON.parse(json.stdout).error.code).toBe('unknown_shop');
      const known = await admin(group, 'list', '--shop', 'acme', '--to', '2000-01-01');
      expect(known.code, known.stderr).toBe(0);
      expect(known.stdout).toBe(`no ${group} at ${base} match --shop acme --to 2000-01-01\n`);
    }
  });

  it('an empty events list / deliveries list names the filters that emptied it, a --search by its flag alone', async () => {
    for (const group of ['events', 'deliveries']) {
      const searched = await admin(group, 'list', '--search', 'Nagy Zoltán', '--limit', '5');
      expect(searched.code, searched.stderr).toBe(0);
      expect(searched.stdout).toBe(
        `no ${group} at ${base} match --search … (the --search text is not repeated here: it may hold personal data)\n`,
      );
      const filtered = await admin(group, 'list', '--shop', 'acme', '--event', 'abandoned_cart');
      expect(filtered.stdout).toBe(`no ${group} at ${base} match --shop acme --event abandoned_cart\n`);
    }
    const status = await admin('events', 'list', '--status', 'held', '--search', 'Nagy');
    expect(status.stdout).toBe(
      `no events at ${base} match --status held --search … (the --search text is not repeated here: it may hold personal data)\n`,
    );
  });

  it('dead-letters list pages: --limit, --cursor, and the "more:" line with the total', async () => {
    targetStatus = 400;
    await triggerOrders(config.dir, orderUrl, ['admin-page-1', 'admin-page-2']);
    await expect.poll(async () => receiver.store.countDeadLetters()).toBe(2);
    const first = await adminJson('dead-letters', 'list', '--limit', '1');
    expect(first.items).toHaveLength(1);
    expect(first.total).toBe(2);
    expect(first.nextCursor).toMatch(/^dead_/);
    const human = await admin('dead-letters', 'list', '--limit', '1');
    expect(human.stdout).toContain(
      `more: srhooks dead-letters list --limit 1 --cursor ${first.nextCursor}\n`,
    );
    const byHandler = await admin('dead-letters', 'list', '--handler', 'erp', '--limit', '1');
    expect(byHandler.stdout).toContain(
      `more: srhooks dead-letters list --handler erp --limit 1 --cursor ${first.nextCursor}\n`,
    );
    expect(human.stdout).toContain('1 of 2 dead letters;');
    // a later page says so, as the inspector does ("1 of 2" read as the first of them)
    const later = await admin('dead-letters', 'list', '--limit', '1', '--cursor', first.nextCursor);
    expect(later.stdout).toContain('1 of 2 dead letters (a later page);');
    const second = await adminJson('dead-letters', 'list', '--limit', '1', '--cursor', first.nextCursor);
    expect(second.items).toHaveLength(1);
    expect(second.items[0].job.id).not.toBe(first.items[0].job.id);
    expect(second.nextCursor).toBeNull();
    const whole = await admin('dead-letters', 'list');
    expect(whole.stdout).not.toContain('more:');
    expect(whole.stdout).toContain('2 dead letters;');
    const tooMany = await admin('dead-letters', 'list', '--limit', '501');
    expect(tooMany.code).toBe(2);
  });

  it('dead-letters retry says which dead letters it left: those of a handler no longer configured', async () => {
    // A dead letter of a handler since removed from the receiver's config: nothing would run it again.
    await receiver.store.ingest(
      {
        shop: 'acme',
        event: 'order_confirm',
        receivedAt: new Date(),
        remoteAddress: '127.0.0.1',
        headers: {},
        contentType: 'application/json',
        rawBody: Buffer.from('{}'),
      },
      [{ dedupeKey: 'order:removed-handler', subjectId: '9', payload: {} }],
      ['gone'],
    );
    const [job] = await receiver.store.claimJobs({
      workerId: 't',
      handlers: ['gone'],
      limit: 1,
      leaseMs: 60_000,
    });
    if (!job) throw new Error('no job of the removed handler');
    await receiver.store.failJob(job.id, { attempt: job.attempt, error: 'down', deadLetter: true });
    targetStatus = 200;
    const human = await admin('dead-letters', 'retry');
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(
      '✔ 2 dead letters queued to run again\n' +
        `! 1 dead letter left as it is: its handler "gone" is no longer configured on ${base}, so nothing would run it; configure it again to replay it\n`,
    );
    const again = await adminJson('dead-letters', 'retry');
    expect(again).toMatchObject({ replayed: 0, notReplayed: [{ handler: 'gone', deadLetters: 1 }] });
    expect((await admin('dead-letters', 'retry')).stdout).toBe(
      '✔ no dead letters of configured handlers to retry\n' +
        `! 1 dead letter left as it is: its handler "gone" is no longer configured on ${base}, so nothing would run it; configure it again to replay it\n`,
    );
  });

  it("dead-letters retry says when a replayed job's handler is disabled: it waits until enabled", async () => {
    targetStatus = 400;
    const sent = await runCli(config.dir, [
      'trigger',
      'order_confirm',
      '--to',
      orderUrl,
      '--seed',
      'admin-off',
    ]);
    if (sent.code !== 0) throw new Error(sent.stderr);
    await expect
      .poll(async () => receiver.store.countDeadLetters({ handler: 'erp' }), { timeout: 10_000 })
      .toBe(1);
    const deadAgain = () =>
      expect
        .poll(async () => receiver.store.countDeadLetters({ handler: 'erp' }), { timeout: 10_000 })
        .toBe(1);
    // --json names each disabled handler as the receiver's answer does: {handler, disabledBy}, both
    // with --handler (the answer's handlerDisabledBy) and without (its disabledHandlers).
    await receiver.store.disableHandler('erp', { reason: 'HTTP 410 Gone from the test' });
    try {
      const one = await adminJson('dead-letters', 'retry', '--handler', 'erp');
      expect(one).toMatchObject({
        replayed: 1,
        disabledHandlers: [{ handler: 'erp', disabledBy: 'target' }],
      });
      expect(one).not.toHaveProperty('pausedHandlers');
    } finally {
      await receiver.store.enableHandler('erp');
    }
    await deadAgain();
    await receiver.store.disableHandler('erp', { reason: 'paused by the test', by: 'operator' });
    try {
      const all = await adminJson('dead-letters', 'retry');
      expect(all).toMatchObject({
        replayed: 1,
        disabledHandlers: [{ handler: 'erp', disabledBy: 'operator' }],
      });
      expect(all).not.toHaveProperty('pausedHandlers');
    } finally {
      await receiver.store.enableHandler('erp');
    }
    await deadAgain();
    await receiver.store.disableHandler('erp', { reason: 'HTTP 410 Gone from the test' });
    try {
      const human = await admin('dead-letters', 'retry', '--handler', 'erp');
      expect(human.stdout).toBe(
        '✔ 1 dead letter queued to run again\n' +
          '! erp is disabled: its jobs wait until you fix its target and run srhooks handlers enable erp (srhooks handlers list says why)\n',
      );
    } finally {
      await receiver.store.enableHandler('erp');
    }
    targetStatus = 200;
    expect((await adminJson('dead-letters', 'retry')).disabledHandlers).toEqual([]);
  });

  it('printed no personal data without --reveal', () => {
    expect(masked.length).toBeGreaterThan(10);
    for (const run of masked) {
      for (const text of [run.stdout, run.stderr]) {
        expect(text).not.toContain('kovacs.eva');
        expect(text).not.toContain('Kovács');
        expect(text).not.toContain(customer);
        expect(text).not.toContain('"firstname"');
      }
    }
  });

  it('never printed the admin token', () => {
    for (const text of seenOutput) expect(text).not.toContain(ADMIN_TOKEN);
  });
});
