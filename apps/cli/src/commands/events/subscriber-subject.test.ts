/**
 * A newsletter event's subject is a subscriber, not an order: `events show` labels its id `subscriber`
 * and the ORDER column of `events list`, `deliveries list|show` and `dead-letters list` says
 * `subscriber 1`, not a bare `1` that reads as an order (`events show` said `order 1`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli, runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { type Receiver, startTestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'subscriber-subject-token-abcdef0123456789';
let receiver: Receiver;
let base = '';
let deliveryUrl = '';
const { admin, adminJson } = adminCli(config.dir, () => base, ADMIN_TOKEN);

beforeAll(async () => {
  const started = await startTestReceiver(config.dir, {
    secrets: ['subscriber-subject-url-secret-0123456789'],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme' }],
  });
  ({ receiver, url: base } = started);
  deliveryUrl = started.deliveryUrl({ shop: 'acme', event: 'newsletter_subscribe' });
  const sent = await runCli(config.dir, [
    'trigger',
    'newsletter_subscribe',
    '--to',
    started.deliveryUrl({ shop: 'acme', event: 'newsletter_subscribe' }),
    '--seed',
    'subscriber',
  ]);
  if (sent.code !== 0) throw new Error(sent.stderr);
});
afterAll(async () => {
  await receiver.close();
  config.cleanup();
});

describe('a newsletter event names its subscriber as such', () => {
  it('events list, events show and deliveries show', async () => {
    const [event] = (await adminJson('events', 'list')).items as {
      id: string;
      deliveryId: string;
      subjectId: string;
    }[];
    expect(event?.subjectId).toMatch(/^\d+$/);
    const subscriber = event?.subjectId ?? '';

    const list = await admin('events', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`\\snewsletter_subscribe\\s+subscriber ${subscriber}\\s`));

    const show = await admin('events', 'show', event?.id ?? '');
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`^subscriber\\s+${subscriber}$`, 'm'));
    expect(show.stdout).not.toMatch(/^order\s/m);
    // "verify" reads orders back: a newsletter event is never checked, so it is not advised here
    expect(show.stdout).toMatch(
      /^verification\s+unverified: not checked against the shop's API — "verify" reads back order_confirm and order_status_change only \(an abandoned cart is no order in the shop's API, a newsletter event has none\)$/m,
    );
    expect(show.stdout).not.toContain('"verify": true');

    const delivery = await admin('deliveries', 'show', event?.deliveryId ?? '');
    expect(delivery.code).toBe(0);
    expect(delivery.stdout).toMatch(new RegExp(`^${event?.id}\\s+subscriber ${subscriber}\\s`, 'm'));

    const deliveries = await admin('deliveries', 'list');
    expect(deliveries.stdout).toContain(`subscriber ${subscriber}`);
  });
});

// A subscriber "id" that is text from outside (a name and a phone number sent as the id) is no id to
// print: it stood in the ORDER column and `events show` unmasked (and in `listen`'s lines).
describe('a subscriber id that is no id', () => {
  it('is hidden in events list, events show and deliveries list, and shown by events show --reveal', async () => {
    const id = 'Bárány Zsófia 06301234567';
    mkdirSync(config.dir, { recursive: true });
    const file = join(config.dir, 'odd-subscriber.json');
    writeFileSync(
      file,
      JSON.stringify({
        newsletter: {
          subscriber: [{ id, firstname: 'Zsófia', lastname: 'Bárány', email: 'zsofi@example.hu' }],
        },
      }),
    );
    const sent = await runCli(config.dir, [
      'trigger',
      'newsletter_subscribe',
      '--to',
      deliveryUrl,
      '--data',
      file,
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    const event = (
      (await adminJson('events', 'list', '--reveal')).items as { id: string; subjectId: string }[]
    ).find((item) => item.subjectId === id);
    expect(event).toBeDefined();
    // the masked --json too
    const maskedJson = JSON.stringify(await adminJson('events', 'list'));
    expect(maskedJson).toContain('"subjectId":"hidden (25 characters)"');
    expect(maskedJson).not.toContain('Bárány');
    const hidden = 'subscriber hidden (25 characters)';
    const list = await admin('events', 'list');
    expect(list.stdout).toContain(hidden);
    const show = await admin('events', 'show', event?.id ?? '');
    expect(show.stdout).toMatch(/^subscriber\s+hidden \(25 characters\)$/m);
    const deliveries = await admin('deliveries', 'list');
    expect(deliveries.stdout).toContain(hidden);
    for (const run of [list, show, deliveries]) {
      for (const value of ['Bárány', 'Zsófia', '06301234567']) expect(run.stdout).not.toContain(value);
    }
    const revealed = await admin('events', 'show', event?.id ?? '', '--reveal');
    expect(revealed.stdout).toMatch(new RegExp(`^subscriber\\s+${id}$`, 'm'));
    // --reveal shows it in the lists too
    expect((await admin('deliveries', 'list', '--reveal')).stdout).toContain(`subscriber ${id}`);
    expect((await admin('events', 'list', '--reveal')).stdout).toContain(`subscriber ${id}`);
  });
});
