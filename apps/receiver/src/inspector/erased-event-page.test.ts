/** The inspector shows an erased event and delivery as erased (no payload, no raw body, no replay) and refuses a replay. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  loginAsBrowser,
  order,
  orderDelivery,
  pageText,
  postDelivery,
  postFormAsBrowser,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

const EMAIL = 'erased.customer@example.hu';

describe('inspector: an erased event', () => {
  let receiver: TestReceiver;
  let session: BrowserSession;
  let deliveryId = '';
  let eventId = '';

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    const posted = await postDelivery(
      receiver,
      orderDelivery([order(3, { innerId: '7301', email: EMAIL, lastname: 'Törlendő' })]),
    );
    deliveryId = posted.body.deliveryId;
    eventId = (await receiver.app.store.getDelivery(deliveryId))?.events[0]?.id ?? '';
    const erased = await receiver.app.store.erasePersonalData({
      email: EMAIL,
      reason: 'GDPR-2026-050',
      dryRun: false,
      includeUnfinished: true,
    });
    expect(erased.erased).toBe(true);
    session = await loginAsBrowser(receiver);
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('says when and why it was erased, shows no payload or raw body even revealed, and offers no replay', async () => {
    for (const path of [`/ui/deliveries/${deliveryId}?reveal=1`, `/ui/fragments/event/${eventId}?reveal=1`]) {
      const page = await pageText(receiver.baseUrl, session.cookie, path);
      expect(page).toMatch(
        /Personal data erased at <time[^>]*>[^<]+<\/time> \(GDPR-2026-050\) on request\. Its payload is gone/,
      );
      expect(page.toLowerCase()).not.toContain(EMAIL);
      expect(page).not.toContain('Törlendő');
      expect(page).not.toContain(`payload-json-${eventId}`);
      expect(page).not.toMatch(/Replay all handlers|Replay log|Run log/);
      expect(page).toMatch(/Cancelled: the event(?:'|&#39;|&#x27;)s personal data was erased/);
    }
    const delivery = await pageText(
      receiver.baseUrl,
      session.cookie,
      `/ui/deliveries/${deliveryId}?reveal=1`,
    );
    expect(delivery).toMatch(
      /Personal data erased at <time[^>]*>[^<]+<\/time> \(GDPR-2026-050\) on request\. The body as received is gone\./,
    );
  });

  it('refuses a replay posted anyway, saying why', async () => {
    const response = await postFormAsBrowser(
      receiver,
      session,
      `/ui/events/${eventId}/replay`,
      new URLSearchParams({ _csrf: session.csrfToken }),
    );
    expect(response.status).toBe(409);
    const text = await response.text();
    expect(text).toContain('Not replayed');
    expect(text).toMatch(/personal data was erased on request, so it cannot be replayed/);
    expect((await receiver.app.store.getEvent(eventId))?.jobs[0]?.status).toBe('dead');
  });
});
