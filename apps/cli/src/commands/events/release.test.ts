/**
 * `srhooks events release` against a real receiver that verifies each order against the sandbox over
 * real HTTP (`"verify": true`): orders sent by `srhooks trigger` are not in the sandbox shop, so their
 * verification mismatches and their jobs are held; `release` lets them run.
 */
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { adminCli, runCli, seenOutput, tempConfigDir } from '../../test-support/run-cli.js';
import { forwardTo, type Receiver, startTestReceiver } from '../../test-support/test-receiver.js';
import { startTestSandbox, TEST_CLIENT } from '../../test-support/test-sandbox.js';

const config = tempConfigDir();
const SECRET = 'release-url-secret-0123456789abcdef';
const ADMIN_TOKEN = 'release-admin-token-0123456789abcdef';
let sandbox: RunningSandbox;
let receiver: Receiver;
let target: CaptureServer;
let base = '';
const held: string[] = [];
let deliveryUrl = '';

const { admin } = adminCli(config.dir, () => base, ADMIN_TOKEN);

async function eventStatus(id: string): Promise<string | undefined> {
  return (await receiver.store.getEvent(id))?.status;
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  target = await startCaptureServer();
  const started = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    shops: [
      {
        name: 'acme',
        handlers: ['erp'],
        verify: true,
        recovery: false,
        clientId: TEST_CLIENT.clientId,
        clientSecret: TEST_CLIENT.clientSecret,
        apiUrl: sandbox.apiUrlTemplate,
        tokenUrl: sandbox.tokenUrlTemplate,
      },
    ],
    handlers: { erp: forwardTo(`${target.url}/erp`) },
  });
  ({ receiver, url: base } = started);
  const url = started.deliveryUrl({ shop: 'acme', event: 'order_confirm' });
  deliveryUrl = url;
  for (const seed of ['held-1', 'held-2']) {
    const sent = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url, '--seed', seed]);
    if (sent.code !== 0) throw new Error(sent.stderr);
  }
  const page = await receiver.store.listEvents({ shop: 'acme' });
  held.push(...page.items.map((event) => event.id));
  await vi.waitFor(
    async () => {
      for (const id of held) if ((await eventStatus(id)) !== 'held') throw new Error(`${id} is not held yet`);
    },
    { timeout: 15_000, interval: 50 },
  );
});
afterAll(async () => {
  await receiver.close();
  await target.close();
  await sandbox.close();
  config.cleanup();
});

describe('srhooks events release', () => {
  it('events show of a duplicate says why it is unverified (a duplicate), not that verify is off', async () => {
    const again = await runCli(config.dir, [
      'trigger',
      'order_confirm',
      '--to',
      deliveryUrl,
      '--seed',
      'held-1',
    ]);
    expect(again.code).toBe(0);
    const page = await receiver.store.listEvents({ shop: 'acme' });
    const duplicate = page.items.find((event) => !held.includes(event.id));
    expect(duplicate?.status).toBe('duplicate');
    const first = duplicate?.duplicateOf ?? '';
    expect(held).toContain(first);
    const show = await admin('events', 'show', duplicate?.id ?? '');
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(
      new RegExp(
        `^verification\\s+unverified: a duplicate of ${first} \\(the same event delivered again\\), so neither handled nor verified again; see srhooks events show ${first}$`,
        'm',
      ),
    );
    expect(show.stdout).not.toContain("the receiver's default");
  });

  it('the events are held: events list --status held lists them, events show says why', async () => {
    const list = await admin('events', 'list', '--status', 'held', '--json');
    expect(
      JSON.parse(list.stdout)
        .items.map((event: { id: string }) => event.id)
        .sort(),
    ).toEqual([...held].sort());
    // The detail repeats what the delivery sent: hidden like the held attempt's error until --reveal.
    const shown = await admin('events', 'show', held[0] ?? '');
    expect(shown.stdout).toMatch(
      /^verification\s+mismatched: the shop's API disagrees with the delivery — detail hidden \(\d+ characters; pass --reveal to read it\); its jobs are held until released$/m,
    );
    expect(shown.stdout).not.toContain('the shop has no order');
    const json = JSON.parse((await admin('events', 'show', held[0] ?? '', '--json')).stdout);
    expect(json.event.verificationDetail).toMatch(
      /^detail hidden \(\d+ characters; pass --reveal to read it\)$/,
    );
    const delivery = JSON.parse((await admin('deliveries', 'show', json.event.deliveryId, '--json')).stdout);
    expect(delivery.delivery.events[0].verificationDetail).toMatch(/^detail hidden \(/);
    const revealed = await admin('events', 'show', held[0] ?? '', '--reveal');
    expect(revealed.stdout).toMatch(
      /^verification\s+mismatched: the shop's API disagrees with the delivery — the shop has no order .*its jobs are held until released$/m,
    );
    expect(target.requests).toHaveLength(0);
  });

  it('releases a held event: its handler runs', async () => {
    const [id] = held;
    const run = await admin('events', 'release', id ?? '');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`✔ ${id} released: 1 job queued (erp)\n`);
    await expect.poll(() => eventStatus(id ?? '')).toBe('succeeded');
    expect(target.requests).toHaveLength(1);
  });

  it('--json: the receiver and the released jobs', async () => {
    const id = held[1] ?? '';
    const run = await admin('events', 'release', id, '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      receiver: base,
      revealed: false,
      eventId: id,
      jobs: [expect.objectContaining({ eventId: id, handler: 'erp', status: 'pending' })],
    });
    await expect.poll(() => eventStatus(id)).toBe('succeeded');
  });

  it('an event that is not held and a malformed id: exit 2, an unknown one exit 3 (not found), saying so', async () => {
    const [id] = held;
    const again = await admin('events', 'release', id ?? '');
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `error: Event ${id} is not held (status succeeded); nothing to release.\nonly an event whose verification mismatched is held; srhooks events replay ${id} runs its handlers again\n`,
    );
    const json = await admin('events', 'release', id ?? '', '--json');
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'not_held', exitCode: 2 });
    const unknown = await admin('events', 'release', 'evt_0000000000');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toBe(
      `error: no event with id "evt_0000000000" on ${base}\nlist them with srhooks events list\n`,
    );
    const malformed = await admin('events', 'release', 'dlv_0000000000');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('"dlv_0000000000" is not an event id');
  });

  it('never printed the admin token or the client secret', () => {
    for (const text of seenOutput) {
      expect(text).not.toContain(ADMIN_TOKEN);
      expect(text).not.toContain(TEST_CLIENT.clientSecret);
    }
  });
});
