/**
 * A held event's verification detail repeats what the delivery sent (`innerId delivered <as sent>, shop
 * has …`), like the held attempt's error that quotes it. So it is masked the same way wherever that error
 * is — the delivery page (the held notice; the text after the verification badge once released) and the
 * event fragment until "Show personal data" — returned whole by the admin API (the unmasked view, as the
 * attempt error is), and never logged (as the attempt error is not).
 *
 * Real receiver (HTTP, tmp SQLite, the job worker running) with `verify: true` against the sandbox over
 * real HTTP: an order the sandbox has, delivered with another innerId.
 */
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  bearer,
  loginAsBrowser,
  orderDelivery,
  pageText,
  postDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import { waitFor } from '../processing/test-support/wait-for.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

/** What the forged delivery carries as its innerId (the sandbox's are smaller numbers). */
const SENT_INNER_ID = '7770001';
/** The verification detail's own words, which quote the delivery. */
const DETAIL = `innerId delivered ${SENT_INNER_ID}, shop has`;

describe("a held event's verification detail", () => {
  let sandbox: RunningSandbox;
  let receiver: TestReceiver;
  let browser: BrowserSession;
  let deliveryId = '';
  let eventId = '';

  beforeAll(async () => {
    sandbox = await startSandbox();
    receiver = await startAdminReceiver(
      {
        shops: [
          {
            name: 'demo',
            handlers: ['log'],
            verify: true,
            recovery: false,
            clientId: DEMO_CLIENT.clientId,
            clientSecret: DEMO_CLIENT.clientSecret,
            apiUrl: sandbox.apiUrlTemplate,
            tokenUrl: sandbox.tokenUrlTemplate,
          },
        ],
      },
      { worker: true },
    );
    browser = await loginAsBrowser(receiver);
    const { order } = await sandbox.simulator.placeOrder('demo', { seed: 'held-privacy' });
    const posted = await postDelivery(receiver, orderDelivery([{ ...order, innerId: SENT_INNER_ID }]));
    expect(posted.status).toBe(200);
    deliveryId = posted.body.deliveryId;
    eventId = (await receiver.app.store.getDelivery(deliveryId))?.events[0]?.id ?? '';
    await waitFor(async () => {
      const event = await receiver.app.store.getEvent(eventId);
      return event?.status === 'held' && event.jobs[0]?.attemptLog[0]?.outcome === 'held';
    }, 'the event held');
  });

  afterAll(async () => {
    await receiver?.close();
    await sandbox?.close();
  });

  const page = (path: string): Promise<string> => pageText(receiver.baseUrl, browser.cookie, path);

  it('is stored whole and quoted by the held attempt', async () => {
    const event = await receiver.app.store.getEvent(eventId);
    expect(event?.verificationDetail).toContain(DETAIL);
    expect(event?.jobs[0]?.attemptLog[0]?.error).toContain(DETAIL);
  });

  it('is masked like the attempt error on the delivery page and the event fragment until revealed', async () => {
    for (const path of [`/ui/deliveries/${deliveryId}`, `/ui/fragments/event/${eventId}`]) {
      const masked = await page(path);
      expect(masked).not.toContain('innerId delivered');
      expect(masked).toContain('Held: the order fetched back from the shop does not match this delivery');
      expect(masked).toMatch(
        /does not match this delivery — detail hidden \(\d+ characters; Show personal data to read it\)\./,
      );
      expect(masked).toContain('error hidden (');
      const revealed = await page(`${path}${path.includes('?') ? '&' : '?'}reveal=1`);
      expect(revealed).toContain(DETAIL);
      expect(revealed).not.toContain('detail hidden (');
    }
  });

  it('is returned whole by the admin API, as the attempt error is', async () => {
    const response = await fetch(`${receiver.baseUrl}/admin/api/events/${eventId}`, { headers: bearer() });
    const { event } = (await response.json()) as {
      event: { verificationDetail: string; jobs: Array<{ attemptLog: Array<{ error: string }> }> };
    };
    expect(event.verificationDetail).toContain(DETAIL);
    expect(event.jobs[0]?.attemptLog[0]?.error).toContain(DETAIL);
  });

  it('never reaches the log, as the attempt error does not', () => {
    expect(receiver.logLines.join('\n')).not.toContain('innerId delivered');
    const held = receiver.logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => String(line.msg).startsWith('event does not match the shop'));
    expect(held).toBeDefined();
    expect(held).not.toHaveProperty('detail');
  });
});
