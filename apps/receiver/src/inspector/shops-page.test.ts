/**
 * The inspector's Shops page over real HTTP (SQLite in a temp dir): without app mode, the config shops
 * with their last delivery, waiting jobs and dead letters (linking to the filtered deliveries) and no
 * action; in app mode (the sandbox's app flow), the app shops too — installed, uninstalled with when and
 * who told the receiver — and "Mark uninstalled": refused without the CSRF token or without the shop's
 * name typed, taken with both (the effects of the admin API's operation), refusals shown on the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import {
  ADMIN_TOKEN,
  APP_ID,
  type AppModeFixture,
  adminGet,
  eventually,
  startAppModeFixture,
} from '../app-mode/test-support/app-mode-fixture.js';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/app-shop-store.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

/** The row of `shop` on the page (its `<tr>` … `</tr>`), or '' when the page has none. */
function rowOf(page: string, shop: string): string {
  const start = page.indexOf(`<tr data-shop="${shop}">`);
  return start === -1 ? '' : page.slice(start, page.indexOf('</tr>', start));
}

describe('Shops page without app mode', () => {
  let receiver: TestReceiver;
  let session: BrowserSession;
  beforeAll(async () => {
    // No worker: the delivery's job stays waiting.
    receiver = await startAdminReceiver({
      shops: [
        { name: 'demo', handlers: ['log'] },
        { name: 'quiet-shop', handlers: ['log'] },
      ],
    });
    session = await loginAsBrowser(receiver);
  });
  afterAll(async () => {
    await receiver?.close();
  });
  const get = async (path: string) => {
    const response = await fetch(`${receiver.baseUrl}${path}`, {
      headers: { cookie: session.cookie },
      redirect: 'manual',
    });
    return { status: response.status, text: await response.text() };
  };

  it('lists the config shops with their last delivery, waiting jobs and dead letters', async () => {
    const posted = await postDelivery(receiver, orderDelivery([order(1), order(2)]));
    expect(posted.status).toBe(200);
    // A second delivery whose job failed once: its event is retrying, its job waits for the retry.
    const retried = await postDelivery(receiver, orderDelivery([order(3)]));
    const retriedEvent = (await receiver.app.store.getDelivery(retried.body.deliveryId))?.events[0]?.id;
    const claimed = await receiver.app.store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 60_000 });
    for (const job of claimed) {
      if (job.eventId === retriedEvent) {
        await receiver.app.store.failJob(job.id, {
          attempt: job.attempt,
          error: 'busy',
          retryAt: new Date(Date.now() + 3_600_000),
        });
      } else {
        await receiver.app.store.releaseJob(job.id, { attempt: job.attempt, reason: 'test' });
      }
    }

    const page = await get('/ui/shops');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Shops</h1>');
    expect(page.text).toContain('<a href="/ui/shops" aria-current="page">Shops</a>');
    expect(page.text).toContain('app mode is off: no app shops');
    expect(page.text).not.toContain('can be marked uninstalled here');
    const demo = rowOf(page.text, 'demo');
    expect(demo).toContain('<td data-label="Kind">config file</td>');
    expect(demo).toContain('<span class="badge configured">configured</span>');
    const last = await receiver.app.store.getDelivery(retried.body.deliveryId);
    expect(demo).toContain(`datetime="${last?.receivedAt.toISOString()}"`);
    expect(demo).toContain('<a href="/ui?shop=demo&amp;jobs=waiting"');
    expect(demo).toMatch(
      /jobs=waiting"[^>]*>3<span class="visually-hidden"> waiting jobs: the deliveries of demo with a job waiting/,
    );
    expect(demo).toMatch(
      /status=dead"[^>]*>0<span class="visually-hidden"> dead letters: the deliveries of demo with/,
    );
    expect(demo).not.toContain('Mark uninstalled');
    const quiet = rowOf(page.text, 'quiet-shop');
    expect(quiet).toContain('<span class="muted">none</span>');
    expect(quiet).toMatch(/jobs=waiting"[^>]*>0<span /);

    // The link's filter lists that shop's deliveries with a waiting job, the retrying one too (it linked to
    // status=pending, which left it out: 3 waiting, 1 listed).
    const list = await get('/ui?shop=demo&jobs=waiting');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`data-delivery-id="${posted.body.deliveryId}"`);
    expect(list.text).toContain(`data-delivery-id="${retried.body.deliveryId}"`);
    expect(list.text).toContain('<option value="waiting" selected>waiting to run</option>');
    expect((await get('/ui?shop=demo&jobs=stuck')).status).toBe(400);
  });

  it('a confirmation page for a shop says app mode is off (409), nothing else', async () => {
    const page = await get('/ui/shops/demo/uninstall');
    expect(page.status).toBe(409);
    expect(page.text).toContain('Not marked uninstalled: This receiver does not run app mode');
    expect(page.text).not.toContain('name="confirm"');
  });
});

describe('Shops page in app mode', () => {
  let f: AppModeFixture;
  let cookie = '';
  let csrfToken = '';
  beforeAll(async () => {
    f = await startAppModeFixture({
      shops: ['alpha', 'beta', 'gamma'],
      config: { shops: [{ name: 'configured', handlers: ['audit'] }] },
    });
    ({ cookie, csrfToken } = await loginAsBrowser(f, ADMIN_TOKEN));
  });
  afterAll(async () => {
    await f?.close();
  });

  const get = async (path: string) => {
    const response = await fetch(`${f.baseUrl}${path}`, { headers: { cookie }, redirect: 'manual' });
    return {
      status: response.status,
      text: await response.text(),
      location: response.headers.get('location'),
    };
  };
  const post = (path: string, fields: Record<string, string>) =>
    fetch(`${f.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: f.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  const status = async (name: string) =>
    ((await adminGet(f.baseUrl, '/shops')).items as Array<{ name: string; status: string }>).find(
      (shop) => shop.name === name,
    )?.status;

  it('lists config and app shops: installed, with install time and a Mark uninstalled link', async () => {
    await f.sandbox.apps.install(APP_ID, 'alpha');
    await f.sandbox.apps.install(APP_ID, 'beta');
    const page = await get('/ui/shops');
    expect(page.status).toBe(200);
    expect(page.text).toContain('and those that installed the app (app mode)');
    expect(page.text).toContain('can be marked uninstalled here');
    const configured = rowOf(page.text, 'configured');
    expect(configured).toContain('config file');
    expect(configured).not.toContain('Mark uninstalled');
    const alpha = rowOf(page.text, 'alpha');
    expect(alpha).toContain('<td data-label="Kind">app</td>');
    expect(alpha).toContain('<span class="badge installed">installed</span>');
    const record = await f.receiver.appShops?.get('alpha');
    expect(alpha).toContain(`datetime="${record?.installedAt.toISOString()}"`);
    expect(alpha).toContain(
      '<a class="button secondary" href="/ui/shops/alpha/uninstall">Mark uninstalled</a>',
    );
    // gamma never installed the app: not a shop of this receiver.
    expect(rowOf(page.text, 'gamma')).toBe('');
  });

  it('marks a shop uninstalled only with the CSRF token and its name typed, after a page that explains it', async () => {
    // A job that has not run yet: the handler is paused so it stays pending.
    await f.receiver.store.disableHandler('audit', { reason: 'test: keep the job pending' });
    await f.sandbox.simulator.placeOrder('alpha', { seed: 7 });
    await f.sandbox.simulator.waitForIdle();
    await eventually(async () => {
      const page = await get('/ui/shops');
      return /jobs=waiting"[^>]*>1<span /.test(rowOf(page.text, 'alpha')) ? true : undefined;
    });

    const confirm = await get('/ui/shops/alpha/uninstall');
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('<h1>Mark alpha uninstalled?</h1>');
    expect(confirm.text).toContain('webhook URLs answer 404');
    expect(confirm.text).toContain(
      'its jobs still waiting for a worker become dead letters, listed with the reason and replayable (1 job waits now;',
    );
    expect(confirm.text).toContain('order recovery stops for it');
    expect(confirm.text).toContain(`<input type="hidden" name="_csrf" value="${csrfToken}">`);
    expect(confirm.text).toContain('<form method="post" action="/ui/shops/alpha/uninstall">');
    expect(confirm.text).toContain('name="confirm"');

    // Without the CSRF token: refused by the guard, nothing changes.
    const noToken = await post('/ui/shops/alpha/uninstall', { confirm: 'alpha' });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('Not marked uninstalled');
    expect(await status('alpha')).toBe('installed');

    // Without the name, or with another one: the confirmation page again, nothing changes.
    for (const fields of [{}, { confirm: 'beta' }] as Array<Record<string, string>>) {
      const unconfirmed = await post('/ui/shops/alpha/uninstall', { _csrf: csrfToken, ...fields });
      expect(unconfirmed.status).toBe(400);
      const text = await unconfirmed.text();
      expect(text).toContain(
        'the name typed is not alpha. Type alpha exactly to confirm; nothing was changed.',
      );
      expect(text).toContain('name="confirm"');
      expect(await status('alpha')).toBe('installed');
    }

    const taken = await post('/ui/shops/alpha/uninstall', { _csrf: csrfToken, confirm: 'alpha' });
    expect(taken.status).toBe(303);
    // A one-time token of this process, not the result (which a made-up link carries, below).
    const location = taken.headers.get('location') ?? '';
    expect(location).toMatch(/^\/ui\/shops\?notice=[A-Za-z0-9_-]{24}$/);
    expect(await status('alpha')).toBe('uninstalled');

    const after = await get(location);
    expect(after.text).toContain(
      'alpha marked uninstalled: its webhook URLs answer 404, 1 pending job became a dead letter, order recovery stopped for it',
    );
    // Links of the page never carry it on; shown once (a reload shows the page without it).
    expect(after.text).not.toContain(location.slice('/ui/shops?notice='.length));
    expect(after.text).not.toMatch(/[?&;]notice=|name="notice"/);
    expect((await get(location)).text).not.toContain('marked uninstalled:');
    // A made-up link (the address that said it before, or one about a shop still installed) shows no
    // notice, and no error: both showed one.
    for (const made of [
      '/ui/shops?done=uninstalled&shop=alpha&cancelled=1',
      '/ui/shops?done=uninstalled&shop=beta&cancelled=7',
      '/ui/shops?done=already-uninstalled&shop=beta',
      '/ui/shops?notice=uninstalled&shop=beta',
    ]) {
      const page = await get(made);
      expect({ made, status: page.status }).toEqual({ made, status: 200 });
      expect(page.text).not.toContain('marked uninstalled:');
      expect(page.text).not.toContain('already uninstalled; nothing changed');
      expect(page.text).not.toContain('class="notice ok"');
    }
    const alpha = rowOf(after.text, 'alpha');
    expect(alpha).toContain('<span class="badge uninstalled">uninstalled</span>');
    expect(alpha).toContain('by an operator (marked uninstalled)');
    expect(alpha).toMatch(/status=dead"[^>]*>1<span /);
    expect(alpha).not.toContain('Mark uninstalled</a>');
    const record = await f.receiver.appShops?.get('alpha');
    expect(alpha).toContain(`datetime="${record?.uninstalledAt?.toISOString()}"`);

    // The same operation as the admin API's: the pending job is a dead letter with the cancellation text.
    const dead = await f.receiver.store.listDeadLetters();
    expect(dead.map((item) => [item.event.shop, item.job.lastError])).toEqual([
      ['alpha', CANCELLED_BY_UNINSTALL],
    ]);
    await f.receiver.store.enableHandler('audit');
  });

  it('shows the refusals on the page: already uninstalled, a config-file shop, a shop the app never had', async () => {
    const again = await post('/ui/shops/alpha/uninstall', { _csrf: csrfToken, confirm: 'alpha' });
    expect(again.status).toBe(409);
    const againText = await again.text();
    expect(againText).toContain('<h1>Shops</h1>');
    expect(againText).toContain('Not marked uninstalled: alpha is already uninstalled (by an operator');
    expect((await get('/ui/shops/alpha/uninstall')).status).toBe(409);

    const configured = await get('/ui/shops/configured/uninstall');
    expect(configured.status).toBe(409);
    expect(configured.text).toContain(
      'Not marked uninstalled: configured is a shop of the config file, not a shop that installed the app',
    );
    const configuredPost = await post('/ui/shops/configured/uninstall', {
      _csrf: csrfToken,
      confirm: 'configured',
    });
    expect(configuredPost.status).toBe(409);

    const unknown = await post('/ui/shops/nowhere/uninstall', { _csrf: csrfToken, confirm: 'nowhere' });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain(
      'Not marked uninstalled: The app was never installed on nowhere here',
    );
    expect(await status('beta')).toBe('installed');
  });

  it('says ShopRenter told the receiver when its uninstall call arrived', async () => {
    expect((await f.sandbox.apps.uninstall(APP_ID, 'beta')).uninstall.status).toBe(200);
    const beta = rowOf((await get('/ui/shops')).text, 'beta');
    expect(beta).toContain('<span class="badge uninstalled">uninstalled</span>');
    expect(beta).toContain('by ShopRenter');
    // An operator marking it afterwards changes nothing (its event is stored as a duplicate): the page
    // still says ShopRenter told the receiver.
    const marked = await fetch(`${f.baseUrl}/admin/api/shops/beta/uninstall`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await marked.json()).toMatchObject({ alreadyUninstalled: true });
    const still = rowOf((await get('/ui/shops')).text, 'beta');
    expect(still).toContain('by ShopRenter');
    expect(still).not.toContain('by an operator');
  });

  it("shows the notice only to the session that marked the shop: another operator's session the link is sent to sees none", async () => {
    await f.sandbox.apps.install(APP_ID, 'gamma');
    const taken = await post('/ui/shops/gamma/uninstall', { _csrf: csrfToken, confirm: 'gamma' });
    expect(taken.status).toBe(303);
    const location = taken.headers.get('location') ?? '';
    const other = await loginAsBrowser(f, ADMIN_TOKEN);
    const theirs = await fetch(`${f.baseUrl}${location}`, { headers: { cookie: other.cookie } });
    expect(theirs.status).toBe(200);
    const text = await theirs.text();
    expect(rowOf(text, 'gamma')).toContain('<span class="badge uninstalled">uninstalled</span>');
    expect(text).not.toContain('gamma marked uninstalled');
    // Spent by that view: the operator who marked it sees none either.
    expect((await get(location)).text).not.toContain('gamma marked uninstalled');
  });
});
