/**
 * `srhooks deliveries show` of a delivery quarantined for a bad field, against a real receiver
 * (in-process, HTTP on port 0, a real SQLite file): the part and the field's path shown as they are,
 * the value it failed on (from the body: here a name and an address) hidden until `--reveal`, human
 * output and `--json` alike; `deliveries list --json` hides it the same way.
 */
import { encodeDelivery, sampleOrder } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli, tempConfigDir } from '../../test-support/run-cli.js';
import { type Receiver, startTestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'decode-failure-url-secret-0123456789abcdef';
const ADMIN_TOKEN = 'decode-failure-admin-token-0123456789abcdef';
const PATH = 'orders.order[0].orderProducts.orderProduct[0].quantity';
const VALUE = 'Kovács Éva, 1051 Budapest';
const MASKED_VALUE = `value hidden (${Array.from(VALUE).length} characters; pass --reveal to read it)`;

let receiver: Receiver;
let base = '';
let deliveryId = '';
let innerId = '';
const { admin, adminJson } = adminCli(config.dir, () => base, ADMIN_TOKEN);

beforeAll(async () => {
  const started = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme', handlers: [] }],
  });
  ({ receiver, url: base } = started);
  const order = {
    ...sampleOrder('cli-field'),
    orderProducts: { orderProduct: [{ innerId: '1', quantity: VALUE }] },
  };
  innerId = String(order.innerId);
  const encoded = encodeDelivery('order_confirm', { orders: { order: [order] } } as never, {
    format: 'json',
  });
  const answer = await fetch(started.deliveryUrl({ shop: 'acme', event: 'order_confirm' }), {
    method: 'POST',
    headers: { 'content-type': encoded.contentType },
    body: new Uint8Array(encoded.body),
  });
  expect(answer.status).toBe(400);
  deliveryId = ((await answer.json()) as { deliveryId: string }).deliveryId;
});
afterAll(async () => {
  await receiver.close();
  config.cleanup();
});

describe('srhooks deliveries show: where a quarantined delivery failed to decode', () => {
  it('shows the part and the field; the value hidden until --reveal', async () => {
    const human = await admin('deliveries', 'show', deliveryId);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^part\s+field$/m);
    expect(human.stdout).toMatch(new RegExp(`^field\\s+${PATH.replace(/[.[\]]/g, '\\$&')}$`, 'm'));
    expect(human.stdout).toMatch(/^value\s+value hidden \(25 characters; pass --reveal to read it\)$/m);
    expect(human.stdout).not.toContain('Kovács');

    const revealed = await admin('deliveries', 'show', deliveryId, '--reveal');
    expect(revealed.stdout).toMatch(/^value\s+Kovács Éva, 1051 Budapest$/m);
  });

  it('--json: the value masked the same way until --reveal, in show and list', async () => {
    const json = await adminJson('deliveries', 'show', deliveryId);
    expect(json.revealed).toBe(false);
    expect(json.delivery.decodeError.detail).toEqual({ part: 'field', path: PATH, value: MASKED_VALUE });
    const list = await adminJson('deliveries', 'list', '--status', 'quarantined');
    expect(JSON.stringify(list)).not.toContain('Kovács');
    expect(JSON.stringify(list)).toContain(MASKED_VALUE);

    const revealed = await adminJson('deliveries', 'show', deliveryId, '--reveal');
    expect(revealed.delivery.decodeError.detail).toEqual({ part: 'field', path: PATH, value: VALUE });
  });

  it('once erased, says the detail was erased on request (not that it was never recorded)', async () => {
    const erased = await admin('erase', '--shop', 'acme', '--order-id', innerId, '--reason', 'GDPR-2026-077');
    expect(erased.code).toBe(0);
    expect(erased.stdout).toContain(deliveryId);
    for (const args of [[], ['--reveal']]) {
      const shown = await admin('deliveries', 'show', deliveryId, ...args);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/^part, field, value\s+erased on request \(with the body as received\)$/m);
      expect(shown.stdout).not.toContain('not recorded');
    }
  });
});
