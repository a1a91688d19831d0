import { join } from 'node:path';
import { signDeliveryUrl } from '@srhooks/contracts';
import { buildReceiver, ReceiverConfigSchema } from '@srhooks/receiver';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { runCli, seenOutput, tempConfigDir } from '../../test-support/run-cli.js';

const config = tempConfigDir();
const SECRET = 'admin-commands-url-secret-0123456789';
const ADMIN_TOKEN = 'admin-commands-token-abcdef0123456789';
let receiver: Awaited<ReturnType<typeof buildReceiver>>;
let target: CaptureServer;
let targetStatus = 400;
let base = '';
let eventId = '';

const admin = (...args: string[]) =>
  runCli(config.dir, [...args, '--receiver', base], { env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } });
const adminJson = async (...args: string[]) => {
  const run = await admin(...args, '--json');
  if (run.code !== 0) throw new Error(`srhooks ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
};

beforeAll(async () => {
  target = await startCaptureServer(() => ({
    status: targetStatus,
    body: targetStatus === 200 ? 'ok' : 'bad request',
  }));
  receiver = await buildReceiver(
    ReceiverConfigSchema.parse({
      port: 0,
      host: '127.0.0.1',
      secrets: [SECRET],
      adminToken: ADMIN_TOKEN,
      db: join(config.dir, '..', 'receiver.db'),
      logLevel: 'silent',
      shops: [{ name: 'acme', handlers: ['erp'] }],
      handlers: {
        erp: {
          type: 'forward',
          url: `${target.url}/erp`,
          secret: 'whsec_MDEyMzQ1Njc4OWFiY2RlZg==',
          allowPrivateTargets: true,
        },
      },
    }),
    { defaultMetrics: false },
  );
  base = await receiver.listen({ port: 0, host: '127.0.0.1' });
  const url = signDeliveryUrl(base, { shop: 'acme', event: 'order_confirm' }, SECRET);
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
    const table = await admin('dead-letters', 'list');
    expect(table.stdout).toMatch(/^JOB\s+HANDLER\s+EVENT\s+ORDER\s+ATTEMPTS\s+DEAD SINCE\s+LAST ERROR\n/);
    expect(table.stdout).toMatch(
      new RegExp(`job_\\w+\\s+erp\\s+${eventId} order_confirm\\s+#\\d+\\s+1\\s+\\S+ \\S+\\s+HTTP 400`),
    );
  });

  it('dead-letters retry runs them again; the target now accepts', async () => {
    targetStatus = 200;
    const result = await adminJson('dead-letters', 'retry', '--handler', 'erp');
    expect(result).toMatchObject({
      receiver: base,
      replayed: 1,
      jobs: [{ handler: 'erp', status: 'pending' }],
    });
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
      nextCursor: null,
      items: [
        expect.objectContaining({
          id: eventId,
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
    const human = await admin('events', 'show', eventId);
    expect(human.stdout).toMatch(new RegExp(`^id\\s+${eventId}\\n`));
    expect(human.stdout).toMatch(/^erp\s+succeeded\s+1\s+\S+ \S+\s+dead\s+400\s+/m);
    expect(human.stdout).toMatch(/^erp\s+succeeded\s+2\s+\S+ \S+\s+succeeded\s+200$/m);
    expect(human.stdout).not.toContain('"firstname"');
    const withPayload = await admin('events', 'show', eventId, '--payload');
    expect(withPayload.stdout).toContain('"firstname"');
  });

  it('events replay runs the handler again with the same webhook id', async () => {
    const result = await adminJson('events', 'replay', eventId);
    expect(result).toMatchObject({ eventId, jobs: [{ handler: 'erp' }] });
    await expect.poll(() => target.requests.length, { timeout: 10_000 }).toBe(3);
    const ids = target.requests.map(
      (request) => request.rawHeaders.find(([name]) => name.toLowerCase() === 'webhook-id')?.[1],
    );
    expect(new Set(ids).size).toBe(1);
    const human = await admin('events', 'replay', eventId, '--handler', 'erp');
    expect(human.stdout).toBe(`✔ ${eventId}: 1 job queued (erp)\n`);
  });

  it('errors: wrong token and unreachable receiver exit 3, bad input exits 2', async () => {
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
      "error: the receiver refused the admin token\npass the receiver's SRHOOKS_ADMIN_TOKEN with --admin-token or SRHOOKS_ADMIN_TOKEN\n",
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
    const unknown = await admin('events', 'show', 'evt_0000000000');
    expect(unknown.code).toBe(2);
    const badTime = await admin('events', 'list', '--from', 'yesterday');
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('query.from: must be an ISO 8601 date');
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

  it('dead-letters list/retry --handler with an unknown handler says so; a known one with none is fine', async () => {
    for (const command of ['list', 'retry']) {
      const run = await admin('dead-letters', command, '--handler', 'nope');
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `error: unknown handler "nope": not configured on ${base}\nits handlers: erp\n`,
      );
    }
    const json = await admin('dead-letters', 'list', '--handler', 'nope', '--json');
    expect(JSON.parse(json.stdout).error.code).toBe('unknown_handler');
    const known = await admin('dead-letters', 'list', '--handler', 'erp', '--to', '2000-01-01');
    expect(known.code).toBe(0);
    expect(known.stdout).toContain('no dead letters');
  });

  it('never printed the admin token', () => {
    for (const text of seenOutput) expect(text).not.toContain(ADMIN_TOKEN);
  });
});
