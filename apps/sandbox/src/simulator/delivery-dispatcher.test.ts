import { sampleOrder } from '@srhooks/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyShopData, type ShopData, type StoredWebhook } from '../state/shop-data.js';
import { DeliveryDispatcher } from './delivery-dispatcher.js';

function hook(id: string, delay: number, url: string): StoredWebhook {
  return {
    id,
    event: 'order_confirm',
    label: id,
    status: '1',
    enabled: true,
    webHookParameters: [{ type: 'json', url }],
    webHookDelay: delay === 0 ? [] : [{ delay, delayUnit: 'day' }],
  };
}

describe('DeliveryDispatcher: one subscription cannot break the others', () => {
  let dispatcher: DeliveryDispatcher | undefined;
  afterEach(() => dispatcher?.close());

  it('records a delay that gives no date as that delivery’s failure and schedules the rest', () => {
    dispatcher = new DeliveryDispatcher({
      timeScale: 1,
      timeoutMs: 1000,
      expectContinueTimeoutMs: 10,
      onChange: () => {},
      log: () => {},
    });
    // A data file from before the delay limit may still hold such a webhook.
    const data: ShopData = emptyShopData();
    data.webhooks.push(hook('huge', 99_999_999_999, 'http://127.0.0.1:9/huge'));
    data.webhooks.push(hook('fine', 1, 'http://127.0.0.1:9/fine'));

    const created = dispatcher.dispatch('demo', data, 'order_confirm', [
      sampleOrder(1) as Record<string, unknown>,
    ]);

    expect(created.map((d) => [d.subscriptionId, d.state])).toEqual([
      ['huge', 'failed'],
      ['fine', 'scheduled'],
    ]);
    expect(created[0]?.error).toMatch(
      /could not prepare this delivery.*99999999999 day.*no representable date/,
    );
    expect(created[1]?.data).toMatch(/^\{"orders"/);
    expect(dispatcher.pending()).toBe(1);
    expect(data.pendingPayloads).toHaveProperty(created[1]?.id ?? '');
    expect(data.pendingPayloads).not.toHaveProperty(created[0]?.id ?? '');
  });
});
