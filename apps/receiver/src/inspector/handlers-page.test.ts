/**
 * `/ui/handlers`: every configured handler with its type, state (who disabled it, since when, why), its
 * waiting jobs and dead letters, links to its dead letters and its shops' deliveries, and Disable/Enable
 * forms (CSRF-protected) that go through the admin API's operation. Real receiver (HTTP, tmp SQLite, its
 * worker running).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_DISABLE_REASON } from '../admin/admin-operations.js';
import {
  type BrowserSession,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  postFormAsBrowser,
  SHOP,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

describe('handlers page', () => {
  let receiver: TestReceiver;
  let browser: BrowserSession;

  beforeAll(async () => {
    receiver = await startAdminReceiver(
      {
        shops: [{ name: SHOP, handlers: ['log', 'audit'] }],
        handlers: { log: { type: 'log' }, audit: { type: 'log' } },
      },
      { worker: true, logWrite: () => {} },
    );
    browser = await loginAsBrowser(receiver);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  async function handlersPage(path = ''): Promise<string> {
    const response = await fetch(`${receiver.baseUrl}/ui/handlers${path}`, {
      headers: { cookie: browser.cookie },
    });
    expect(response.status).toBe(200);
    return response.text();
  }

  /** An action's redirect: the handlers page with a one-time token of this process, never the result. */
  function noticeLocation(response: Response): string {
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/ui\/handlers\?notice=[A-Za-z0-9_-]{24}$/);
    return location.slice('/ui/handlers'.length);
  }

  function row(page: string, handler: string): string {
    return new RegExp(`<tr data-handler="${handler}">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
  }

  async function jobStatus(eventId: string, handler: string): Promise<string | undefined> {
    const event = await receiver.app.store.getEvent(eventId);
    return event?.jobs.find((job) => job.handler === handler)?.status;
  }

  it('is linked from the navigation and lists every configured handler with its type, state and links', async () => {
    const list = await fetch(`${receiver.baseUrl}/ui`, { headers: { cookie: browser.cookie } });
    expect(await list.text()).toContain('<a href="/ui/handlers">Handlers</a>');
    const page = await handlersPage();
    expect(page).toContain('<h1>Handlers</h1>');
    expect(page).toContain('<a href="/ui/handlers" aria-current="page">Handlers</a>');
    for (const name of ['log', 'audit']) {
      const line = row(page, name);
      expect(line).toContain(`<td data-label="Handler">${name}</td>`);
      expect(line).toContain('<td data-label="Type">log</td>');
      expect(line).toContain('<span class="badge enabled">enabled</span>');
      expect(line).toContain(`href="/ui/dead-letters?handler=${name}"`);
      expect(line).toContain(`href="/ui?shop=${SHOP}"`);
      expect(line).toContain(`action="/ui/handlers/${name}/disable"`);
      expect(line).toContain(`<input type="hidden" name="_csrf" value="${browser.csrfToken}">`);
      expect(line).not.toContain('/enable"');
    }
  });

  it('disables a handler through the form: its job waits, the page says so; enabling runs it', async () => {
    const disabled = await postFormAsBrowser(
      receiver,
      browser,
      '/ui/handlers/log/disable',
      new URLSearchParams({ _csrf: browser.csrfToken }),
    );
    expect(disabled.status).toBe(303);
    const query = noticeLocation(disabled);
    const after = await handlersPage(query);
    expect(after).toContain(
      '<p class="notice ok" role="status">log disabled: its jobs wait until it is enabled (new events still get jobs for it).</p>',
    );
    // Links and forms of the page never carry it on; a reload shows it no more.
    expect(after).not.toContain(query.slice('?notice='.length));
    expect(after).not.toMatch(/[?&;]notice=|name="notice"/);
    expect(await handlersPage(query)).not.toContain('role="status"');
    const state = (await receiver.app.store.listHandlerStates()).find((entry) => entry.handler === 'log');
    expect(state).toMatchObject({ disabled: true, disabledBy: 'operator', reason: OPERATOR_DISABLE_REASON });
    const line = row(after, 'log');
    expect(line).toContain('<span class="badge disabled">disabled</span>');
    expect(line).toContain(`by an operator since <time datetime="${state?.changedAt.toISOString()}">`);
    expect(line).toContain(OPERATOR_DISABLE_REASON);
    expect(line).toContain('action="/ui/handlers/log/enable"');
    expect(line).not.toContain('/disable"');

    // A second disable leaves it as it was and says so.
    const again = await postFormAsBrowser(
      receiver,
      browser,
      '/ui/handlers/log/disable',
      new URLSearchParams({ _csrf: browser.csrfToken }),
    );
    expect(await handlersPage(noticeLocation(again))).toContain(
      'log was already disabled by an operator; left as it was.',
    );

    // A new event: audit's job runs, log's waits (counted as waiting on the page).
    const posted = await postDelivery(receiver, orderDelivery([order(1, { innerId: '5101' })]));
    expect(posted.status).toBe(200);
    const eventId = (await receiver.app.store.getDelivery(posted.body.deliveryId))?.events[0]?.id ?? '';
    await expect.poll(() => jobStatus(eventId, 'audit')).toBe('succeeded');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await jobStatus(eventId, 'log')).toBe('pending');
    expect(row(await handlersPage(), 'log')).toContain('<td data-label="Waiting" class="num">1</td>');

    const enabled = await postFormAsBrowser(
      receiver,
      browser,
      '/ui/handlers/log/enable',
      new URLSearchParams({ _csrf: browser.csrfToken }),
    );
    expect(enabled.status).toBe(303);
    const back = await handlersPage(noticeLocation(enabled));
    expect(back).toContain('<p class="notice ok" role="status">log enabled: its waiting jobs run now.</p>');
    expect(row(back, 'log')).toContain('<span class="badge enabled">enabled</span>');
    await expect.poll(() => jobStatus(eventId, 'log')).toBe('succeeded');
  });

  it('refuses a disable without the CSRF token or with a forged one (the handler stays enabled)', async () => {
    for (const [body, words] of [
      [{}, 'CSRF token is missing'],
      [{ _csrf: 'forged' }, 'does not belong to this session'],
    ] as const) {
      const refused = await postFormAsBrowser(
        receiver,
        browser,
        '/ui/handlers/audit/disable',
        new URLSearchParams(body),
      );
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain(words);
    }
    const state = (await receiver.app.store.listHandlerStates()).find((entry) => entry.handler === 'audit');
    expect(state?.disabled ?? false).toBe(false);
  });

  it('redirects to the login form without a session; a form without one is refused', async () => {
    const anonymous = await fetch(`${receiver.baseUrl}/ui/handlers`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/ui/login?next=%2Fui%2Fhandlers');
    const post = await fetch(`${receiver.baseUrl}/ui/handlers/audit/disable`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: receiver.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: '_csrf=x',
    });
    expect(post.status).toBe(401);
    const state = (await receiver.app.store.listHandlerStates()).find((entry) => entry.handler === 'audit');
    expect(state?.disabled ?? false).toBe(false);
  });

  it('says a handler disabled by its target (410) is, escaping the stored reason', async () => {
    await receiver.app.store.disableHandler('audit', {
      reason: 'HTTP 410 Gone from <img src=x onerror=alert(1)>.example & "co"',
      by: 'target',
    });
    try {
      const line = row(await handlersPage(), 'audit');
      expect(line).toContain('by its target (HTTP 410 Gone) since');
      expect(line).toContain(
        'HTTP 410 Gone from &lt;img src=x onerror=alert(1)&gt;.example &amp; &quot;co&quot;',
      );
      expect(line).not.toContain('<img');
      expect(line).toContain('fix its target, then enable it');
    } finally {
      await receiver.app.store.enableHandler('audit');
    }
  });

  it('refuses an unknown handler with a page; ignores a notice about one', async () => {
    const refused = await postFormAsBrowser(
      receiver,
      browser,
      '/ui/handlers/nosuch/disable',
      new URLSearchParams({ _csrf: browser.csrfToken }),
    );
    expect(refused.status).toBe(404);
    const text = await refused.text();
    expect(text).toContain('<h1>Not found</h1>');
    expect(text).toContain('No handler &quot;nosuch&quot; is configured');
    expect(await handlersPage('?done=disabled&handler=nosuch')).not.toContain('nosuch');
  });

  it("points an unknown handler's page to the Handlers page, not to the admin API's list route", async () => {
    for (const action of ['disable', 'enable']) {
      const refused = await postFormAsBrowser(
        receiver,
        browser,
        `/ui/handlers/nosuch/${action}`,
        new URLSearchParams({ _csrf: browser.csrfToken }),
      );
      expect(refused.status).toBe(404);
      const text = await refused.text();
      expect(text).toContain('The Handlers page lists the configured handlers.');
      expect(text).not.toContain('/admin/api');
    }
  });

  it("shows no notice the handler's state contradicts: a crafted link cannot say an enabled handler was disabled", async () => {
    // found by the receiver QA: /ui/handlers?done=disabled&handler=erp said "erp disabled" with nothing done
    const page = await handlersPage('?done=disabled&handler=audit');
    expect(page).not.toContain('audit disabled');
    expect(page).not.toContain('role="status"');
    expect(await handlersPage('?done=already-disabled&handler=audit')).not.toContain('already disabled');
  });

  it("shows no notice for a link someone made up even where the handler's state agrees (it did), and no error", async () => {
    await receiver.app.store.disableHandler('log', { by: 'operator', reason: OPERATOR_DISABLE_REASON });
    try {
      for (const query of [
        '?done=disabled&handler=log',
        '?done=already-disabled&handler=log',
        '?done=enabled&handler=audit',
        '?done=already-enabled&handler=audit',
        '?notice=disabled',
        '?notice=disabled&handler=log',
        `?notice=${'A'.repeat(24)}`,
      ]) {
        const page = await handlersPage(query);
        expect({ query, notice: page.includes('role="status"') }).toEqual({ query, notice: false });
      }
    } finally {
      await receiver.app.store.enableHandler('log');
    }
  });

  it("shows the notice only to the session that pressed the button: another operator's session the link is sent to sees none", async () => {
    const enabled = await postFormAsBrowser(
      receiver,
      browser,
      '/ui/handlers/audit/enable',
      new URLSearchParams({ _csrf: browser.csrfToken }),
    );
    const query = noticeLocation(enabled);
    const other = await loginAsBrowser(receiver);
    const theirs = await fetch(`${receiver.baseUrl}/ui/handlers${query}`, {
      headers: { cookie: other.cookie },
    });
    expect(theirs.status).toBe(200);
    expect(await theirs.text()).not.toContain('role="status"');
    // Spent by that view: the operator who pressed it sees none either.
    expect(await handlersPage(query)).not.toContain('role="status"');
  });

  it('says an enable of a handler that was not disabled changed nothing; refuses a form with another field', async () => {
    const enabled = await postFormAsBrowser(
      receiver,
      browser,
      '/ui/handlers/audit/enable',
      new URLSearchParams({ _csrf: browser.csrfToken }),
    );
    expect(await handlersPage(noticeLocation(enabled))).toContain(
      '<p class="notice ok" role="status">audit was not disabled; nothing changed.</p>',
    );
    const refused = await postFormAsBrowser(
      receiver,
      browser,
      '/ui/handlers/audit/disable',
      new URLSearchParams({ _csrf: browser.csrfToken, reason: 'mine' }),
    );
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('<h1>Not disabled</h1>');
    const state = (await receiver.app.store.listHandlerStates()).find((entry) => entry.handler === 'audit');
    expect(state?.disabled ?? false).toBe(false);
  });
});
