import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  bearer,
  loginAsBrowser,
  logoutAsBrowser,
  registeredRoutes,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import { type InspectorFixture, inspectorFixture } from './test-support/inspector-fixture.js';

/** Who may use the inspector: session cookie, login and logout, CSRF on forms. */
describe('inspector: authentication, login and logout', () => {
  const fixture: InspectorFixture = inspectorFixture();
  const { ids } = fixture;

  describe('authentication', () => {
    const PUBLIC = [
      'GET /ui/assets/inspector.css',
      'GET /ui/assets/inspector.js',
      'GET /ui/assets/icon.svg',
      'GET /ui/login',
      'POST /ui/login',
    ];

    function protectedRoutes(): Array<{ method: string; url: string; page: boolean }> {
      // HEAD too: a page's HEAD answers as its GET (303 to the login form), not a bare 401.
      return registeredRoutes(fixture.receiver.app)
        .filter((route) => route.url.startsWith('/ui'))
        .filter((route) => {
          const asGet = route.method === 'HEAD' ? 'GET' : route.method;
          return !PUBLIC.includes(`${asGet} ${route.url}`);
        })
        .map((route) => ({
          method: route.method,
          url: route.url.replace(
            ':id',
            route.url.includes('/event') ? 'evt_00000000000000000000000000' : (ids.kovacs ?? ''),
          ),
          page:
            (route.method === 'GET' || route.method === 'HEAD') &&
            !route.url.includes('/fragments/') &&
            !route.url.endsWith('/stream') &&
            !route.url.endsWith('/session'),
        }));
    }

    it('has public routes only for the login form and the assets', () => {
      const all = registeredRoutes(fixture.receiver.app)
        .filter((route) => route.url.startsWith('/ui') && route.method !== 'HEAD')
        .map((route) => `${route.method} ${route.url}`);
      expect(all).toEqual(
        expect.arrayContaining([
          ...PUBLIC,
          'GET /ui',
          'GET /ui/deliveries/:id',
          'POST /ui/events/:id/replay',
          'GET /ui/events/stream',
          'GET /ui/session',
        ]),
      );
      expect(protectedRoutes().length).toBeGreaterThanOrEqual(11);
    });

    for (const [label, headers] of [
      ['no session', {}],
      [
        'a forged session cookie',
        { cookie: 'srhooks_admin=v1.AAAAAAAAAAAAAAAAAAAAAAAA.zzzzzz.c2lnbmF0dXJl' },
      ],
      ['a wrong bearer token', bearer('wrong-token-wrong-token')],
    ] as const) {
      it(`with ${label}: pages redirect to the login form, everything else answers 401`, async () => {
        for (const route of protectedRoutes()) {
          const response = await fetch(`${fixture.receiver.baseUrl}${route.url}`, {
            method: route.method,
            redirect: 'manual',
            headers: {
              ...headers,
              origin: fixture.receiver.baseUrl,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: route.method === 'POST' ? '_csrf=x' : null,
          });
          const text = await response.text();
          const name = `${route.method} ${route.url}`;
          if (route.page) {
            expect({ name, status: response.status }).toEqual({ name, status: 303 });
            expect(response.headers.get('location')).toBe(`/ui/login?next=${encodeURIComponent(route.url)}`);
          } else if (name === 'POST /ui/logout') {
            // Nothing to log out of: the login form.
            expect({ name, status: response.status }).toEqual({ name, status: 303 });
            expect(response.headers.get('location')).toBe('/ui/login');
          } else {
            expect({ name, status: response.status }).toEqual({ name, status: 401 });
          }
          expect(text).not.toContain('Kovács');
        }
      });
    }

    it('accepts the bearer token on pages too (for scripted checks)', async () => {
      const response = await fetch(`${fixture.receiver.baseUrl}/ui`, { headers: bearer() });
      expect(response.status).toBe(200);
    });
  });

  describe('login and logout', () => {
    it('redirects to the login form and back to the page asked for', async () => {
      const anonymous = await fetch(`${fixture.receiver.baseUrl}/ui?q=1001`, { redirect: 'manual' });
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.get('location')).toBe('/ui/login?next=%2Fui%3Fq%3D1001');
      const form = await fetch(`${fixture.receiver.baseUrl}/ui/login?next=%2Fui%3Fq%3D1001`);
      const html = await form.text();
      expect(html).toContain('<form method="post" action="/ui/login">');
      expect(html).toContain('name="next" value="/ui?q=1001"');
      expect(html).not.toContain('csrf-token');
    });

    it('answers a button pressed after the session ended with a page saying nothing was done, linking to the login and back', async () => {
      const ended = await loginAsBrowser(fixture.receiver);
      expect((await logoutAsBrowser(fixture.receiver, ended)).status).toBe(303);
      const eventId = await fixture.eventOf(ids.kovacs ?? '');
      const from = `/ui/deliveries/${ids.kovacs}?reveal=1`;
      const response = await fetch(`${fixture.receiver.baseUrl}/ui/events/${eventId}/replay`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie: ended.cookie,
          origin: fixture.receiver.baseUrl,
          referer: `${fixture.receiver.baseUrl}${from}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ _csrf: ended.csrfToken, handler: 'log' }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('text/html');
      const text = await response.text();
      expect(text).toContain('<h1>Not replayed</h1>');
      expect(text).toContain(
        'Your session has ended (logged out, expired, or the admin token changed): nothing was done.',
      );
      expect(text).toContain(
        `<a href="/ui/login?next=${encodeURIComponent(from)}">Log in again</a>, then press it again.`,
      );
      expect(text).not.toContain('csrf-token');

      // Log out with an ended session: it is over already; the login form, not an error.
      const logout = await logoutAsBrowser(fixture.receiver, ended);
      expect(logout.status).toBe(303);
      expect(logout.headers.get('location')).toBe('/ui/login');
    });

    it('sets an HttpOnly, SameSite=Strict, Path=/ session cookie that is not the token', async () => {
      expect(fixture.browser.setCookie).toMatch(
        /^srhooks_admin=v1\.[A-Za-z0-9_-]{24}\.[0-9a-z]+\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
      );
      expect(fixture.browser.setCookie).not.toContain(ADMIN_TOKEN);
      expect(fixture.browser.setCookie).not.toContain('Secure');
    });

    it('marks the cookie Secure when the request came over https (trusted proxy)', async () => {
      const proxied = await startAdminReceiver({ trustProxy: true });
      try {
        const response = await fetch(`${proxied.baseUrl}/ui/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-proto': 'https',
            'x-forwarded-host': 'hooks.example.com',
            origin: 'https://hooks.example.com',
          },
          body: new URLSearchParams({ token: ADMIN_TOKEN }),
        });
        expect(response.status).toBe(303);
        expect(response.headers.get('set-cookie')).toMatch(/; Secure$/);
      } finally {
        await proxied.close();
      }
    });

    it('names the Secure cookie __Host-srhooks_admin and, on https, reads no cookie of the plain name', async () => {
      const proxied = await startAdminReceiver({ trustProxy: true });
      const https = {
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'hooks.example.com',
        origin: 'https://hooks.example.com',
      };
      try {
        const login = await fetch(`${proxied.baseUrl}/ui/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { ...https, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: ADMIN_TOKEN }),
        });
        const setCookie = login.headers.get('set-cookie') ?? '';
        // The prefix's rules: Secure, Path=/, no Domain (a browser refuses the cookie otherwise).
        expect(setCookie).toMatch(
          /^__Host-srhooks_admin=v1\.[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/,
        );
        expect(setCookie).not.toMatch(/domain=/i);
        const value = setCookie.slice('__Host-srhooks_admin='.length, setCookie.indexOf(';'));
        const page = (cookie: string) =>
          fetch(`${proxied.baseUrl}/ui`, { redirect: 'manual', headers: { ...https, cookie } });
        expect((await page(`__Host-srhooks_admin=${value}`)).status).toBe(200);
        // A cookie of the plain name (one a sibling subdomain can set for this host) is not the session on https.
        const shadow = await page(`srhooks_admin=${value}`);
        expect(shadow.status).not.toBe(200);
        expect(shadow.headers.get('location') ?? '').toContain('/ui/login');

        const csrf = (await (await page(`__Host-srhooks_admin=${value}`)).text()).match(
          /name="csrf-token" content="([^"]+)"/,
        )?.[1];
        expect(csrf).toBeDefined();
        const logout = await fetch(`${proxied.baseUrl}/ui/logout`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            ...https,
            cookie: `__Host-srhooks_admin=${value}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ _csrf: csrf ?? '' }),
        });
        expect(logout.status).toBe(303);
        expect(logout.headers.get('set-cookie')).toMatch(
          /^__Host-srhooks_admin=; Path=\/;.* Max-Age=0;.*; Secure$/,
        );
      } finally {
        await proxied.close();
      }
    });

    it('marks the cookie Secure at the https public URL’s host, even when the proxy is not trusted', async () => {
      // TLS ends at a proxy the receiver is not told to trust (no trustProxy): the request itself is http.
      const behindTls = await startAdminReceiver({ publicUrl: 'https://hooks.example.com' });
      try {
        const login = (host: string, origin: string) =>
          new Promise<string | undefined>((resolve, reject) => {
            const url = new URL(`${behindTls.baseUrl}/ui/login`);
            const body = new URLSearchParams({ token: ADMIN_TOKEN }).toString();
            const request = httpRequest(
              {
                host: url.hostname,
                port: url.port,
                path: url.pathname,
                method: 'POST',
                headers: { host, origin, 'content-type': 'application/x-www-form-urlencoded' },
              },
              (response) => {
                response.resume();
                expect(response.statusCode).toBe(303);
                resolve(response.headers['set-cookie']?.[0]);
              },
            );
            request.on('error', reject);
            request.end(body);
          });
        expect(await login('hooks.example.com', 'https://hooks.example.com')).toMatch(/; Secure$/);
        // Another host (the receiver's own address, plain http): no Secure, or the browser would drop it.
        const direct = new URL(behindTls.baseUrl).host;
        expect(await login(direct, `http://${direct}`)).not.toContain('Secure');
      } finally {
        await behindTls.close();
      }
    });

    const SELF = 'same-origin';
    it.each<[string, string | null, Record<string, string>, number, string]>([
      ['a wrong token', SELF, { token: 'not-the-token-0123456789' }, 401, 'Wrong admin token.'],
      ['an empty form', SELF, {}, 401, 'Wrong admin token.'],
      ['a cross-site Origin (login CSRF)', 'https://evil.example', { token: ADMIN_TOKEN }, 403, 'own pages'],
      ['neither Origin nor Referer', null, { token: ADMIN_TOKEN }, 403, 'own pages'],
    ])('refuses a login with %s', async (_label, origin, fields, status, message) => {
      const response = await fetch(`${fixture.receiver.baseUrl}/ui/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(origin === null ? {} : { origin: origin === SELF ? fixture.receiver.baseUrl : origin }),
        },
        body: new URLSearchParams(fields),
      });
      expect(response.status).toBe(status);
      expect(response.headers.get('set-cookie')).toBeNull();
      expect(await response.text()).toContain(message);
    });

    it.each([
      ['https://evil.example/ui', '/ui'],
      ['//evil.example/ui', '/ui'],
      ['/ui//evil.example', '/ui'],
      ['/admin/api/deliveries', '/ui'],
      // A dot segment leaves the inspector once the browser resolves it (found by the inspector QA).
      ['/ui/../admin/api/deliveries', '/ui'],
      ['/ui/%2e%2E/metrics', '/ui'],
      ['/ui/deliveries/./../../metrics', '/ui'],
      ['/ui/..', '/ui'],
      ['/ui?q=a/../b', '/ui?q=a/../b'],
      ['/ui/deliveries/dlv_1..2', '/ui/deliveries/dlv_1..2'],
      ['/ui/deliveries/x?reveal=1', '/ui/deliveries/x?reveal=1'],
      // Not printable ASCII (the pages' own links percent-encode it): the list, not a 500 whose
      // Location header Node refuses to write (found in the security pass).
      ['/ui/\u0100', '/ui'],
      ['/ui?q=Kovács', '/ui'],
      ['/ui/\tdeliveries', '/ui'],
      ['/ui?q=Kov%C3%A1cs', '/ui?q=Kov%C3%A1cs'],
    ])('after login goes to next=%j → %s', async (next, location) => {
      const response = await fetch(`${fixture.receiver.baseUrl}/ui/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: fixture.receiver.baseUrl },
        body: new URLSearchParams({ token: ADMIN_TOKEN, next }),
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(location);
    });

    it('logs out: the cookie is deleted and the old session no longer works', async () => {
      const session = await loginAsBrowser(fixture.receiver);
      expect(
        (await fetch(`${fixture.receiver.baseUrl}/ui`, { headers: { cookie: session.cookie } })).status,
      ).toBe(200);
      const check = () =>
        fetch(`${fixture.receiver.baseUrl}/ui/session`, { headers: { cookie: session.cookie } });
      expect((await check()).status).toBe(204);
      const refused = await logoutAsBrowser(fixture.receiver, session, false);
      expect(refused.status).toBe(403);
      const logout = await logoutAsBrowser(fixture.receiver, session);
      expect(logout.status).toBe(303);
      expect(logout.headers.get('location')).toBe('/ui/login');
      expect(logout.headers.get('set-cookie')).toMatch(
        /^srhooks_admin=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/,
      );
      const after = await fetch(`${fixture.receiver.baseUrl}/ui`, {
        headers: { cookie: session.cookie },
        redirect: 'manual',
      });
      expect(after.status).toBe(303);
      // the open page's check: 401, not a redirect to the login page
      expect((await check()).status).toBe(401);
      const api = await fetch(`${fixture.receiver.baseUrl}/admin/api/deliveries`, {
        headers: { cookie: session.cookie },
      });
      expect(api.status).toBe(401);
    });
  });
});
