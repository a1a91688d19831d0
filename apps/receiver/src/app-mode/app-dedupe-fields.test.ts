import { afterEach, describe, expect, it } from 'vitest';
import { type AppModeFixture, startAppModeFixture } from './test-support/app-mode-fixture.js';

// The app's webhooks are what every installed shop is subscribed to: fields that leave out what the
// dedupe key reads are warned about at start-up, once, with the same rule and message as config shops.
let fixture: AppModeFixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const warnings = (lines: string[]) =>
  lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.code === 'dedupe_fields_missing');

describe('app mode: dedupe fields of the app webhooks', () => {
  it('warns once per app webhook whose fields leave out a dedupe field, naming entry, event and fields only', async () => {
    fixture = await startAppModeFixture({
      shops: ['alpha'],
      app: {
        events: [],
        webhooks: [
          { event: 'order_confirm', fields: ['order_innerId', 'order_total'] },
          { event: 'order_status_change', fields: ['order_innerId', 'orderHistory_status'] },
          { event: 'newsletter_subscribe' },
        ],
      },
    });
    const found = warnings(fixture.logLines);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      level: 40,
      webhook: 'app.webhooks[1]',
      event: 'order_status_change',
      missingFields: ['orderHistory_dateAdded'],
      msg: "app mode (every installed shop) app.webhooks[1] (order_status_change): the selected fields leave out orderHistory_dateAdded: the receiver cannot tell two changes of an order to the same status apart, so it records the later one as a duplicate and its handlers never run; add orderHistory_dateAdded to the fields (or select no fields: the shop's default set has them)",
    });
    expect(found[0]).not.toHaveProperty('shop');
    expect(JSON.stringify(found)).not.toMatch(/https?:/);
  });

  it('says nothing when the app webhooks keep the dedupe fields (or select none)', async () => {
    fixture = await startAppModeFixture({
      shops: ['alpha'],
      app: {
        webhooks: [
          {
            event: 'order_status_change',
            fields: ['order_innerId', 'orderHistory_status', 'orderHistory_dateAdded'],
          },
        ],
      },
    });
    expect(warnings(fixture.logLines)).toHaveLength(0);
  });
});
