/**
 * The set-up of the tests of one delivery's inspector page (`/ui/deliveries/:id`): an admin receiver
 * started in `beforeAll` with a logged-in browser session, then `prepare` (the deliveries a test reads),
 * closed in `afterAll`. Call `deliveryPageFixture()` at the top of a `describe`.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import {
  type BrowserSession,
  loginAsBrowser,
  startAdminReceiver,
} from '../../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../../test-support/test-receiver.js';

export interface DeliveryPageFixture {
  /** The running receiver (set once `beforeAll` ran). */
  readonly receiver: TestReceiver;
  /** The logged-in browser session. */
  readonly browser: BrowserSession;
  /** The delivery's page as the logged-in browser gets it; expects 200. */
  page(id: string): Promise<string>;
}

export function deliveryPageFixture(
  prepare: (receiver: TestReceiver) => Promise<void> = async () => {},
): DeliveryPageFixture {
  let receiver: TestReceiver | undefined;
  let browser: BrowserSession | undefined;

  const fixture: DeliveryPageFixture = {
    get receiver(): TestReceiver {
      if (receiver === undefined)
        throw new Error('the delivery page fixture is used before its beforeAll ran');
      return receiver;
    },
    get browser(): BrowserSession {
      if (browser === undefined)
        throw new Error('the delivery page fixture is used before its beforeAll ran');
      return browser;
    },
    async page(id) {
      const response = await fetch(`${fixture.receiver.baseUrl}/ui/deliveries/${id}`, {
        headers: { cookie: fixture.browser.cookie },
      });
      expect(response.status).toBe(200);
      return response.text();
    },
  };

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    browser = await loginAsBrowser(receiver);
    await prepare(receiver);
  });
  afterAll(async () => {
    await receiver?.close();
  });

  return fixture;
}
