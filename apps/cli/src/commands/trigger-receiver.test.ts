import {
  decodeDelivery,
  encodeDelivery,
  samplePayload,
  signDeliveryUrl,
  WEBHOOK_EVENTS,
} from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';
import { type Receiver, startTestReceiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'trigger-receiver-secret-0123456789';
let receiver: Receiver;
let base = '';

beforeAll(async () => {
  ({ receiver, url: base } = await startTestReceiver(config.dir, { secrets: [SECRET] }));
});
afterAll(async () => {
  await receiver.close();
  config.cleanup();
});

describe('srhooks trigger into the real receiver', () => {
  it.each(WEBHOOK_EVENTS)('%s: stored and decoded as the shop would have sent it', async (event) => {
    const url = signDeliveryUrl(base, { shop: 'demo', event }, SECRET);
    const run = await runCli(config.dir, ['trigger', event, '--to', url, '--seed', 'r1', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.response.status).toBe(200);
    const { deliveryId } = JSON.parse(result.response.body);

    const delivery = await receiver.store.getDelivery(deliveryId);
    expect(delivery).toMatchObject({ shop: 'demo', event, status: 'stored', decodeError: null });
    expect(delivery?.headers['user-agent']).toBe('ShopRenter');
    const expected = decodeDelivery({
      event,
      ...(() => {
        const encoded = encodeDelivery(event, samplePayload(event, 'r1'), { format: 'json' });
        return { contentType: encoded.contentType, body: encoded.body };
      })(),
    });
    const items = 'orders' in expected ? expected.orders : expected.subscribers;
    expect(delivery?.events.map((stored) => stored.payload)).toEqual(JSON.parse(JSON.stringify(items)));
  });

  it('an XML delivery is stored and decoded too', async () => {
    const url = signDeliveryUrl(base, { shop: 'demo', event: 'order_confirm' }, SECRET);
    const run = await runCli(config.dir, [
      'trigger',
      'order_confirm',
      '--format',
      'xml',
      '--to',
      url,
      '--seed',
      'x1',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const { deliveryId } = JSON.parse(JSON.parse(run.stdout).response.body);
    const delivery = await receiver.store.getDelivery(deliveryId);
    expect(delivery?.status).toBe('stored');
    expect(delivery?.events[0]?.orderNumber).toBe(
      String(samplePayload('order_confirm', 'x1').orders.order[0]?.innerId),
    );
  });

  it('warns when --to is the signed URL of another event, and still sends', async () => {
    const url = signDeliveryUrl(base, { shop: 'demo', event: 'order_status_change' }, SECRET);
    const run = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url, '--seed', 'w1']);
    expect(run.stderr).toBe(
      'warning: --to is the signed URL for order_status_change, but this delivery is order_confirm; sending it anyway (for order_confirm: srhooks url --event order_confirm …)\n',
    );
    const same = signDeliveryUrl(base, { shop: 'demo', event: 'order_confirm' }, SECRET);
    const quiet = await runCli(config.dir, ['trigger', 'order_confirm', '--to', same, '--seed', 'w1']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });

  it('a URL signed with another secret is refused (exit 3)', async () => {
    const url = signDeliveryUrl(
      base,
      { shop: 'demo', event: 'order_confirm' },
      'some-other-secret-0123456789',
    );
    const run = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('HTTP 404');
    // a bare 404 leaves a newcomer guessing: say why a receiver answers it and where a good URL comes from
    expect(run.stderr).toBe(
      "hint: a srhooks receiver answers 404 to a delivery URL it did not sign (a token made with another secret, or for another shop or event): use a URL srhooks listen printed, or make one with srhooks url and the receiver's SRHOOKS_SECRETS\n",
    );
  });
});
