/**
 * No information of the inspector's pages is in a hover title only (accessibility QA): a `title` is out
 * of reach of keyboard and touch users and not reliably read by screen readers. An event's verification
 * detail shows as text after its badge (masked until revealed, like the held notice that quotes it), the
 * `recovery` badge says what it means in its text (and the delivery page shows it), the Shops page's
 * counts say in their links' names what they list. Pages as the browser gets them (`app.inject`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  SHOP,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

const VERIFIED_DETAIL = "matches the shop's order on innerId, total, customer name";
const MISMATCH_DETAIL = 'innerId delivered 7770001, shop has 5001';

/** The part of `page` from `start` to the end of the element's line (its first `</div>`). */
function eventHead(page: string, eventId: string): string {
  const start = page.indexOf(`data-event-id="${eventId}"`);
  expect(start, `event ${eventId} on the page`).toBeGreaterThan(-1);
  const head = page.indexOf('<div class="event-head">', start);
  return page.slice(head, page.indexOf('</div>\n  </div>', head));
}

describe('inspector information that was a hover title only', () => {
  let receiver: TestReceiver;
  let cookie: string;
  const ids = { delivery: '', verified: '', mismatched: '', recovered: '' };

  async function page(url: string): Promise<string> {
    const response = await receiver.app.inject({ method: 'GET', url, headers: { cookie } });
    expect(response.statusCode, url).toBe(200);
    return response.body;
  }

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    cookie = (await loginAsBrowser(receiver)).cookie;
    const store = receiver.app.store;
    const posted = await postDelivery(receiver, orderDelivery([order(1), order(2)]));
    expect(posted.status).toBe(200);
    ids.delivery = posted.body.deliveryId;
    const events = (await store.getDelivery(ids.delivery))?.events ?? [];
    ids.verified = events[0]?.id ?? '';
    ids.mismatched = events[1]?.id ?? '';
    await store.setEventVerification(ids.verified, { status: 'verified', detail: VERIFIED_DETAIL });
    // Mismatched but not held (as after a release): no held notice says the detail.
    await store.setEventVerification(ids.mismatched, {
      status: 'mismatched',
      detail: MISMATCH_DETAIL,
      hold: false,
    });
    const payload = (await store.getEvent(ids.verified))?.payload;
    const recovered = await store.ingest(
      {
        shop: SHOP,
        event: 'order_confirm',
        receivedAt: new Date(),
        remoteAddress: 'recovery',
        headers: {},
        contentType: 'application/json',
        rawBody: Buffer.from('{}'),
        source: 'recovery',
      },
      [{ dedupeKey: 'order:recovered-9001', subjectId: '9001', payload }],
      ['log'],
    );
    ids.recovered = recovered.deliveryId;
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it("shows an event's verification detail as text after its badge: hidden until revealed, then whole", async () => {
    const masked = await page(`/ui/deliveries/${ids.delivery}`);
    const verified = eventHead(masked, ids.verified);
    expect(verified).toContain('<span class="badge verified">verified</span>');
    expect(verified).toMatch(
      /<span class="badge verified">verified<\/span> <span class="badge-detail">detail hidden \(\d+ characters; Show personal data to read it\)<\/span>/,
    );
    expect(masked).not.toContain('innerId, total');
    expect(masked).not.toContain('7770001');
    expect(eventHead(masked, ids.mismatched)).toMatch(
      /<span class="badge mismatched">mismatched<\/span> <span class="badge-detail">detail hidden \(/,
    );

    const revealed = await page(`/ui/deliveries/${ids.delivery}?reveal=1`);
    expect(eventHead(revealed, ids.verified)).toContain(
      `<span class="badge verified">verified</span> <span class="badge-detail">${VERIFIED_DETAIL.replace("'", '&#39;')}</span>`,
    );
    expect(eventHead(revealed, ids.mismatched)).toContain(
      `<span class="badge mismatched">mismatched</span> <span class="badge-detail">${MISMATCH_DETAIL}</span>`,
    );
    // The event fragment the live updates swap in says it the same way.
    const fragment = await page(`/ui/fragments/event/${ids.mismatched}`);
    expect(fragment).toMatch(/<span class="badge-detail">detail hidden \(/);
  });

  it("says what a recovery record is in the badge's text, and as text on its delivery page", async () => {
    const list = await page('/ui');
    expect(list).toContain(
      '<span class="badge recovery">recovery<span class="visually-hidden"> (not delivered by the shop: read back from its API by a recovery pass)</span></span>',
    );
    const detail = await page(`/ui/deliveries/${ids.recovered}`);
    expect(detail).toContain(
      '<dt>Source</dt><dd>recovery: not delivered by the shop: read back from its API by a recovery pass</dd>',
    );
    expect(await page(`/ui/deliveries/${ids.delivery}`)).not.toContain('<dt>Source</dt>');
  });

  it("names what each of the Shops page's counts lists in the link itself", async () => {
    const shops = await page('/ui/shops');
    expect(shops).toMatch(
      /jobs=waiting">\d+<span class="visually-hidden"> waiting jobs: the deliveries of demo with a job waiting to run \(not run yet, waiting for a retry or for a disabled handler\)<\/span><\/a>/,
    );
    expect(shops).toMatch(
      /status=dead">\d+<span class="visually-hidden"> dead letters: the deliveries of demo with a dead-lettered event<\/span><\/a>/,
    );
    expect(shops).toContain(
      'retrying<span class="visually-hidden">: the deliveries of demo whose events wait for a retry</span></a>',
    );
  });

  it('puts nothing in a title attribute on any page', async () => {
    const paths = [
      '/ui',
      '/ui?reveal=1',
      `/ui/deliveries/${ids.delivery}`,
      `/ui/deliveries/${ids.delivery}?reveal=1`,
      `/ui/deliveries/${ids.recovered}`,
      `/ui/fragments/event/${ids.verified}`,
      '/ui/dead-letters',
      '/ui/handlers',
      '/ui/shops',
    ];
    const titled: string[] = [];
    for (const path of paths) {
      for (const match of (await page(path)).matchAll(/<[a-z]+[^>]*\stitle="[^"]*"[^>]*>/g)) {
        titled.push(`${path}: ${match[0]}`);
      }
    }
    expect(titled).toEqual([]);
  });
});
