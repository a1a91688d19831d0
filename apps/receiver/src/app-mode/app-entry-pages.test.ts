/**
 * The entry point's pages as the merchant sees them (against the sandbox, over HTTP): a pending install
 * shows a plain message, never the developer's reason (it names environment variables and scopes; that
 * stays in the admin API, the CLI and the logs); an event link whose session is forged is told "not
 * valid", one whose genuine session has run out "expired"; the event page's "← all events" link opens
 * the shop's list again (with the session, not ShopRenter's signed parameters); both pages load their
 * stylesheet (they use the inspector's classes) from the receiver, as their policy allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopSession, SESSION_SECONDS, sessionQuery } from './shop-session.js';
import {
  ADMIN_TOKEN,
  APP_CLIENT_SECRET,
  APP_ID,
  type AppModeFixture,
  eventually,
  signedAppPath,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

let codes = 0;
const signed = (path: string, shop: string) => signedAppPath(path, shop, `pages${++codes}`);

describe('app mode: the entry pages the merchant sees', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha', 'lacking'] });
    expect((await f.sandbox.apps.install(APP_ID, 'alpha')).install.status).toBe(302);
  });
  afterAll(async () => {
    await f?.close();
  });

  it("shows a pending shop's merchant a plain message, not the developer's reason", async () => {
    f.registerApp({ scopes: ['store.webhook:read', 'order.order:read'] });
    try {
      await f.sandbox.apps.install(APP_ID, 'lacking');
      const reason = await eventually(async () => {
        const response = await fetch(`${f.baseUrl}/admin/api/shops`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        const items = (await response.json()).items as Array<{ name: string; pendingReason: string | null }>;
        return items.find((item) => item.name === 'lacking')?.pendingReason ?? undefined;
      });
      expect(reason).toContain('store.webhook:write'); // the developer's reason is kept for them
      const response = await fetch(`${f.baseUrl}${signed('/app/entry', 'lacking')}`);
      expect(response.status).toBe(200);
      const page = await response.text();
      expect(page).toContain('The app is finishing its setup on this shop');
      expect(page).toContain("contact the app's developer");
      expect(page).not.toContain('store.webhook:write');
      expect(page).not.toContain('approveScopes');
      expect(page).not.toMatch(/SRHOOKS_|scope|subscription/);
    } finally {
      f.registerApp({});
    }
  });

  it('follows the event page\'s "← all events" link back to the shop\'s list', async () => {
    await f.sandbox.simulator.placeOrder('alpha', { seed: 7 });
    await f.sandbox.simulator.waitForIdle();
    const link = (page: string, pattern: RegExp) => {
      const href = pattern.exec(page)?.[1];
      if (!href) throw new Error(`no link ${pattern} on the page: ${page}`);
      return `${f.baseUrl}${href.replaceAll('&amp;', '&')}`;
    };
    // As the admin's iframe opens it: ShopRenter's signed parameters.
    const list = await eventually(async () => {
      const page = await (await fetch(`${f.baseUrl}${signed('/app/entry', 'alpha')}`)).text();
      return page.includes('order_confirm') ? page : undefined;
    });
    const detail = await fetch(link(list, /href="(\/app\/entry\/events\/[^"]+)"/));
    expect(detail.status).toBe(200);
    const back = await fetch(link(await detail.text(), /href="(\/app\/entry\?[^"]+)">← all events/));
    expect(back.status).toBe(200);
    expect(back.headers.get('content-security-policy')).toContain('frame-ancestors');
    const again = await back.text();
    expect(again).toContain('Webhook events of alpha');
    expect(again).toContain('order_confirm');

    // The list through a session: forged or expired ones are refused as on the event pages.
    const forged = { ...createShopSession('alpha', APP_CLIENT_SECRET), session: 'x'.repeat(43) };
    const refused = await fetch(`${f.baseUrl}/app/entry?${sessionQuery(forged)}`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('This link is not valid');
    const old = createShopSession('alpha', APP_CLIENT_SECRET, Date.now() - (SESSION_SECONDS + 60) * 1000);
    const expired = await fetch(`${f.baseUrl}/app/entry?${sessionQuery(old)}`);
    expect(expired.status).toBe(401);
    expect(await expired.text()).toContain('This link has expired');
  });

  it('the list and event pages load a stylesheet their Content-Security-Policy allows', async () => {
    await f.sandbox.simulator.placeOrder('alpha', { seed: 8 });
    await f.sandbox.simulator.waitForIdle();
    const list = await eventually(async () => {
      const response = await fetch(`${f.baseUrl}${signed('/app/entry', 'alpha')}`);
      const page = await response.text();
      return page.includes('order_confirm') ? { response, page } : undefined;
    });
    const detailHref = /href="(\/app\/entry\/events\/[^"]+)"/.exec(list.page)?.[1]?.replaceAll('&amp;', '&');
    const detail = await fetch(`${f.baseUrl}${detailHref}`);
    expect(detail.status).toBe(200);
    for (const { response, page } of [list, { response: detail, page: await detail.text() }]) {
      const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page)?.[1];
      expect(href).toMatch(/^\/app\/entry\//); // same origin: style-src 'self'
      expect(response.headers.get('content-security-policy')).toContain("style-src 'self'");
      const css = await fetch(`${f.baseUrl}${href}`); // no session needed: static, as the inspector's
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toContain('text/css');
      const rules = await css.text();
      for (const used of ['card-grid', 'meta', 'muted']) {
        if (page.includes(`class="${used}"`)) expect(rules).toContain(`.${used}`);
      }
    }
  });

  it('links made from a session keep its expiry: a link cannot be renewed past its hour', async () => {
    await f.sandbox.simulator.placeOrder('alpha', { seed: 9 });
    await f.sandbox.simulator.waitForIdle();
    await eventually(async () => {
      const page = await (await fetch(`${f.baseUrl}${signed('/app/entry', 'alpha')}`)).text();
      return page.includes('order_confirm') ? page : undefined;
    });
    // A session with a minute left (a link copied from the frame 59 minutes ago, say).
    const ageing = createShopSession('alpha', APP_CLIENT_SECRET, Date.now() - (SESSION_SECONDS - 60) * 1000);
    const expiresOf = (page: string, pattern: RegExp) => {
      const href = pattern.exec(page)?.[1]?.replaceAll('&amp;', '&');
      if (!href) throw new Error(`no link ${pattern} on the page: ${page}`);
      return { href, expires: new URL(href, f.baseUrl).searchParams.get('expires') };
    };
    const list = await fetch(`${f.baseUrl}/app/entry?${sessionQuery(ageing)}`);
    expect(list.status).toBe(200);
    const detailLink = expiresOf(await list.text(), /href="(\/app\/entry\/events\/[^"]+)"/);
    expect(detailLink.expires).toBe(String(ageing.expires)); // not a fresh hour
    const detail = await fetch(`${f.baseUrl}${detailLink.href}`);
    expect(detail.status).toBe(200);
    const backLink = expiresOf(await detail.text(), /href="(\/app\/entry\?[^"]+)">← all events/);
    expect(backLink.expires).toBe(String(ageing.expires));
    // A verified entry call (ShopRenter's signed parameters) still starts a fresh hour.
    const fresh = await (await fetch(`${f.baseUrl}${signed('/app/entry', 'alpha')}`)).text();
    const freshLink = expiresOf(fresh, /href="(\/app\/entry\/events\/[^"]+)"/);
    expect(Number(freshLink.expires)).toBeGreaterThan(ageing.expires + SESSION_SECONDS - 120);
  });

  it('tells a forged event-link session ("not valid") from a genuine expired one ("expired")', async () => {
    const path = '/app/entry/events/evt_none';
    const genuine = createShopSession('alpha', APP_CLIENT_SECRET);
    const forged = { ...genuine, session: createShopSession('alpha', 'not-the-secret').session };
    const outOfTime = createShopSession(
      'alpha',
      APP_CLIENT_SECRET,
      Date.now() - (SESSION_SECONDS + 60) * 1000,
    );
    const lengthened = { ...outOfTime, expires: genuine.expires }; // an expired one, its time moved on

    const open = async (query: string) => {
      const response = await fetch(`${f.baseUrl}${path}?${query}`);
      return { status: response.status, page: await response.text() };
    };
    expect((await open(sessionQuery(genuine))).status).toBe(404); // valid session, no such event

    for (const query of [sessionQuery(forged), sessionQuery(lengthened), '', 'shop=alpha']) {
      const { status, page } = await open(query);
      expect(status).toBe(401);
      expect(page).toContain('This link is not valid');
      expect(page).not.toContain('expired');
    }
    const expired = await open(sessionQuery(outOfTime));
    expect(expired.status).toBe(401);
    expect(expired.page).toContain('This link has expired');
  });
});
