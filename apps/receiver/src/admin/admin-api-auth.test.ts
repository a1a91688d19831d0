import { describe, expect, it } from 'vitest';
import { type AdminApiFixture, adminApiFixture } from './test-support/admin-api-fixture.js';
import {
  ADMIN_TOKEN,
  bearer,
  loginAsBrowser,
  registeredRoutes,
  startAdminReceiver,
} from './test-support/admin-test-receiver.js';

/** Who may use the admin API: bearer token, session cookie + CSRF, and no admin area without a token. */
describe('admin API: authentication and sessions', () => {
  const fixture: AdminApiFixture = adminApiFixture();
  const { ids, eventOf } = fixture;

  describe('authentication', () => {
    /** Real ids in the paths, so a route that let a request through would visibly act. */
    function protectedRoutes(withHead = false): Array<{ method: string; url: string }> {
      return registeredRoutes(fixture.receiver.app)
        .filter((route) => route.url.startsWith('/admin/api') && (withHead || route.method !== 'HEAD'))
        .map((route) => ({
          method: route.method,
          url: route.url
            .replace(':id', route.url.includes('/events/') ? (ids.kovacsEvent ?? '') : (ids.broken ?? ''))
            .replace(':name', 'log'),
        }));
    }

    async function storeSnapshot(): Promise<unknown> {
      const deliveries = await fixture.receiver.app.store.listDeliveries({ limit: 500 });
      return {
        deliveries,
        event: await fixture.receiver.app.store.getEvent(ids.kovacsEvent ?? ''),
        handlers: await fixture.receiver.app.store.listHandlerStates(),
      };
    }

    it('lists every admin API route (the table below is not empty by accident)', () => {
      const urls = protectedRoutes().map(
        (route) => `${route.method} ${route.url.replace(/(dlv|evt)_[0-9a-z]+/, ':id')}`,
      );
      expect(urls).toEqual(
        expect.arrayContaining([
          'GET /admin/api/deliveries',
          'GET /admin/api/deliveries/:id',
          'POST /admin/api/deliveries/search',
          'POST /admin/api/deliveries/:id/reprocess',
          'GET /admin/api/events',
          'GET /admin/api/events/:id',
          'POST /admin/api/events/search',
          'POST /admin/api/events/:id/replay',
          'POST /admin/api/events/:id/release',
          'POST /admin/api/events/backfill',
          'GET /admin/api/dead-letters',
          'POST /admin/api/dead-letters/replay',
          'GET /admin/api/handlers',
          'POST /admin/api/handlers/log/enable',
          'POST /admin/api/handlers/log/disable',
          'POST /admin/api/prune',
          'POST /admin/api/personal-data/erase',
          'POST /admin/api/recover',
          'GET /admin/api/recovery',
          'GET /admin/api/shops',
          'POST /admin/api/shops/:shop/uninstall',
        ]),
      );
      expect(urls).toHaveLength(21);
    });

    const credentials: Array<[string, Record<string, string>]> = [
      ['no credentials', {}],
      ['a wrong bearer token', bearer('not-the-admin-token-at-all')],
      ['the token with a different case', bearer(ADMIN_TOKEN.toUpperCase())],
      [
        'a Basic authorization',
        { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
      ],
      [
        'a forged session cookie',
        { cookie: 'srhooks_admin=v1.AAAAAAAAAAAAAAAAAAAAAAAA.zzzzzz.c2lnbmF0dXJl' },
      ],
      ['the raw token as cookie', { cookie: `srhooks_admin=${ADMIN_TOKEN}` }],
    ];

    for (const [label, headers] of credentials) {
      it(`refuses every route with ${label}: 401 JSON, nothing changed`, async () => {
        const routes = protectedRoutes(true);
        expect(routes.length).toBeGreaterThan(11);
        const before = await storeSnapshot();
        for (const route of routes) {
          const response = await fetch(`${fixture.receiver.baseUrl}${route.url}`, {
            method: route.method,
            headers: { ...headers, 'content-type': 'application/json' },
            body: route.method === 'POST' ? '{}' : null,
          });
          const body =
            route.method === 'HEAD' ? null : ((await response.json()) as { error?: { code: string } });
          expect({
            route: `${route.method} ${route.url}`,
            status: response.status,
            code: route.method === 'HEAD' ? 'unauthorized' : body?.error?.code,
          }).toEqual({
            route: `${route.method} ${route.url}`,
            status: 401,
            code: 'unauthorized',
          });
          expect(response.headers.get('www-authenticate')).toBe('Bearer realm="srhooks-admin"');
        }
        expect(await storeSnapshot()).toEqual(before);
      });
    }

    it('a wrong bearer token is refused even beside a valid session cookie', async () => {
      const browser = await loginAsBrowser(fixture.receiver);
      const response = await fetch(`${fixture.receiver.baseUrl}/admin/api/deliveries`, {
        headers: { cookie: browser.cookie, ...bearer('wrong-token-wrong-token') },
      });
      expect(response.status).toBe(401);
    });

    it('tells browsers not to sniff its JSON nor let other sites load it, on answers and refusals alike', async () => {
      // Found in the security pass: the inspector sent these, the API (customer data, unmasked) did not.
      const answers = [
        await fetch(`${fixture.receiver.baseUrl}/admin/api/deliveries`, { headers: bearer() }),
        await fetch(`${fixture.receiver.baseUrl}/admin/api/deliveries`),
        await fetch(`${fixture.receiver.baseUrl}/admin/api/events/evt_missing`, { headers: bearer() }),
      ];
      for (const response of answers) {
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
        expect(response.headers.get('cache-control')).toBe('no-store');
      }
      expect(answers.map((response) => response.status)).toEqual([200, 401, 404]);
    });

    it('never logs the admin token', () => {
      expect(fixture.receiver.logLines.some((line) => line.includes(ADMIN_TOKEN))).toBe(false);
    });
  });

  describe('session cookie + CSRF on the API', () => {
    it('a cookie-authenticated POST needs the CSRF token and a same-origin Origin; bearer needs neither', async () => {
      const browser = await loginAsBrowser(fixture.receiver);
      const eventId = await eventOf(ids.kovacs ?? '');
      const url = `${fixture.receiver.baseUrl}/admin/api/events/${eventId}/replay`;
      const cases: Array<[string, Record<string, string>, number, string | null]> = [
        ['no CSRF token', { cookie: browser.cookie, origin: fixture.receiver.baseUrl }, 403, 'csrf_missing'],
        [
          'a wrong CSRF token',
          { cookie: browser.cookie, origin: fixture.receiver.baseUrl, 'x-csrf-token': 'nope' },
          403,
          'csrf_invalid',
        ],
        [
          'a cross-site Origin',
          { cookie: browser.cookie, origin: 'https://evil.example', 'x-csrf-token': browser.csrfToken },
          403,
          'cross_origin',
        ],
        [
          'no Origin and no Referer',
          { cookie: browser.cookie, 'x-csrf-token': browser.csrfToken },
          403,
          'cross_origin',
        ],
        [
          'a cross-site Referer',
          { cookie: browser.cookie, referer: 'https://evil.example/page', 'x-csrf-token': browser.csrfToken },
          403,
          'cross_origin',
        ],
        [
          'token and same-origin Origin',
          { cookie: browser.cookie, origin: fixture.receiver.baseUrl, 'x-csrf-token': browser.csrfToken },
          200,
          null,
        ],
        [
          'token and same-origin Referer',
          {
            cookie: browser.cookie,
            referer: `${fixture.receiver.baseUrl}/ui`,
            'x-csrf-token': browser.csrfToken,
          },
          200,
          null,
        ],
        ['bearer token alone', bearer(), 200, null],
      ];
      for (const [label, headers, status, code] of cases) {
        const response = await fetch(url, { method: 'POST', headers });
        const body = (await response.json()) as { error?: { code: string } };
        expect({ label, status: response.status, code: body.error?.code ?? null }).toEqual({
          label,
          status,
          code,
        });
      }
      // Reads with the cookie need no CSRF token.
      const read = await fetch(`${fixture.receiver.baseUrl}/admin/api/deliveries`, {
        headers: { cookie: browser.cookie },
      });
      expect(read.status).toBe(200);
    });
  });
});

describe('admin area without an admin token', () => {
  it('is not there (404) and a warning says how to enable it', async () => {
    const receiver = await startAdminReceiver({ adminToken: undefined });
    try {
      for (const path of ['/admin/api/deliveries', '/ui', '/ui/login', '/ui/assets/inspector.js']) {
        const response = await fetch(`${receiver.baseUrl}${path}`, { headers: bearer() });
        expect({ path, status: response.status }).toEqual({ path, status: 404 });
      }
      const warnings = receiver.logLines
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .filter((line) => line.level === 40);
      expect(warnings.map((line) => line.msg)).toContainEqual(
        expect.stringContaining('set SRHOOKS_ADMIN_TOKEN'),
      );
    } finally {
      await receiver.close();
    }
  });
});
