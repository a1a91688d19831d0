import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  loginAsBrowser,
  logoutAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  quarantineOrderDelivery,
  SHOP,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import { type InspectorFixture, inspectorFixture } from './test-support/inspector-fixture.js';

/** What the inspector does: replay buttons and the live stream. */
describe('inspector: replay buttons and live stream', () => {
  const fixture: InspectorFixture = inspectorFixture();
  const { ids, get, postForm, eventOf } = fixture;

  describe('replay buttons', () => {
    it('refuses a replay POST without the CSRF token, with a wrong one, or from another origin', async () => {
      const eventId = await eventOf(ids.kovacs ?? '');
      const cases: Array<[Record<string, string>, Record<string, string>, string]> = [
        [{}, {}, 'CSRF token is missing'],
        [{ _csrf: 'forged' }, {}, 'does not belong to this session'],
        [{ _csrf: fixture.browser.csrfToken }, { origin: 'https://evil.example' }, 'own pages'],
        [{ _csrf: fixture.browser.csrfToken }, { origin: 'null' }, 'own pages'],
      ];
      for (const [fields, headers, message] of cases) {
        const response = await postForm(`/ui/events/${eventId}/replay`, fields, headers);
        expect(response.status).toBe(403);
        expect(await response.text()).toContain(message);
      }
      const jobs = (await fixture.receiver.app.store.getEvent(eventId))?.jobs ?? [];
      expect(jobs.map((job) => job.attempts)).toEqual([0]);
    });

    it('refuses a form with a field given twice instead of taking its last value', async () => {
      const eventId = await eventOf(ids.kovacs ?? '');
      const before = (await fixture.receiver.app.store.getEvent(eventId))?.jobs.map((job) => job.status);
      const response = await postForm(
        `/ui/events/${eventId}/replay`,
        `_csrf=${encodeURIComponent(fixture.browser.csrfToken)}&handler=other&handler=log`,
      );
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('body.handler: must be given once');
      expect((await fixture.receiver.app.store.getEvent(eventId))?.jobs.map((job) => job.status)).toEqual(
        before,
      );
    });

    it("shows no replay button on a job a worker is running right now, and says why; the form's POST is refused", async () => {
      const eventId = await eventOf(ids.nagy ?? '');
      const claimed = await fixture.receiver.app.store.claimJobs({
        workerId: 'w',
        limit: 50,
        leaseMs: 60_000,
        handlers: ['log'],
      });
      const job = claimed.find((candidate) => candidate.eventId === eventId);
      expect(job).toBeDefined();
      try {
        const page = await get(`/ui/deliveries/${ids.nagy}`);
        const row = new RegExp(`<tr data-job-id="${job?.id}">[\\s\\S]*?</tr>`).exec(page.text)?.[0] ?? '';
        expect(row).toContain('running now: replay once it ends');
        expect(row).not.toContain('Replay log');
        const response = await postForm(`/ui/events/${eventId}/replay`, {
          _csrf: fixture.browser.csrfToken,
          handler: 'log',
        });
        expect(response.status).toBe(409);
        expect(await response.text()).toContain('handler log is running its job right now');
      } finally {
        for (const taken of claimed)
          await fixture.receiver.app.store.completeJob(taken.id, { attempt: taken.attempt });
      }
      const after = await get(`/ui/deliveries/${ids.nagy}`);
      expect(new RegExp(`<tr data-job-id="${job?.id}">[\\s\\S]*?</tr>`).exec(after.text)?.[0]).toContain(
        'Replay log',
      );
    });

    it('replays with the token: redirects back to the delivery, and the new attempt shows there', async () => {
      const eventId = await eventOf(ids.nagy ?? '');
      const logJobs = await fixture.receiver.app.store.claimJobs({
        workerId: 'w',
        limit: 50,
        leaseMs: 60_000,
        handlers: ['log'],
      });
      // Settle every claimed job (a job left running would not be replayed: 409 job_running); the one of
      // this event succeeds.
      const claimed = [
        ...logJobs,
        ...(await fixture.receiver.app.store.claimJobs({ workerId: 'w', limit: 50, leaseMs: 60_000 })),
      ];
      for (const job of claimed)
        if (job) await fixture.receiver.app.store.completeJob(job.id, { attempt: job.attempt });

      const response = await postForm(`/ui/events/${eventId}/replay`, {
        _csrf: fixture.browser.csrfToken,
        handler: 'log',
      });
      expect(response.status).toBe(303);
      const location = response.headers.get('location') ?? '';
      // A one-time token of this process, not the notice: a link with `notice=replayed` shows nothing.
      expect(location).toMatch(
        new RegExp(`^/ui/deliveries/${ids.nagy}\\?notice=[A-Za-z0-9_-]{24}#event-${eventId}$`),
      );
      const [again] = await fixture.receiver.app.store.claimJobs({
        workerId: 'w',
        limit: 50,
        leaseMs: 60_000,
      });
      expect(again?.eventId).toBe(eventId);
      await fixture.receiver.app.store.failJob(again?.id ?? '', {
        attempt: again?.attempt ?? 0,
        error: 'ERP said <no>',
        deadLetter: true,
      });

      const page = await get(location.replace(/#.*$/, ''));
      expect(page.text).toContain(
        '<p class="notice ok" role="status">Replay queued: the job runs again now; its attempt appears below.</p>',
      );
      // Shown once: a reload shows the page without it.
      expect((await get(location.replace(/#.*$/, ''))).text).not.toContain('Replay queued');
      expect(page.text).toContain('<li data-attempt="1">');
      expect(page.text).toContain('<li data-attempt="2">');
      // The handler's error text is hidden until revealed (handler-error-privacy.test.ts), then escaped.
      expect(page.text).not.toContain('ERP said');
      expect((await get(`/ui/deliveries/${ids.nagy}?reveal=1`)).text).toContain('ERP said &lt;no&gt;');
      expect(page.text).toContain('<span class="badge dead">dead</span>');

      const dead = await get('/ui/dead-letters?reveal=1');
      expect(dead.text).toContain('ERP said &lt;no&gt;');
      const replayAll = await postForm('/ui/dead-letters/replay', { _csrf: fixture.browser.csrfToken });
      expect(replayAll.status).toBe(303);
      expect((await fixture.receiver.app.store.getEvent(eventId))?.jobs[0]?.status).toBe('pending');
    });
  });

  describe("a delivery page's notice after an action", () => {
    const NOTICE = /<p class="notice ok" role="status">/;

    it('shows none for a link someone made up (it showed "Replay queued", "Event released", … for ?notice=<key>), and no error', async () => {
      for (const value of [
        'replayed',
        'replayed-waiting',
        'released',
        'reprocessed',
        'erased',
        '%3Cb%3E',
        'x'.repeat(24),
      ]) {
        const page = await get(`/ui/deliveries/${ids.kovacs}?notice=${value}`);
        expect({ value, status: page.status }).toEqual({ value, status: 200 });
        expect({ value, notice: NOTICE.test(page.text) }).toEqual({ value, notice: false });
        expect(page.text).not.toContain('Replay queued');
        expect(page.text).not.toContain('Event released');
        expect(page.text).not.toContain('Delivery re-processed');
      }
    });

    it('release: says so once, on the delivery released, to the session that pressed it; links never carry it on', async () => {
      const eventId = await eventOf(ids.kovacs ?? '');
      await fixture.receiver.app.store.setEventVerification(eventId, {
        status: 'mismatched',
        detail: 'test',
      });
      const response = await postForm(`/ui/events/${eventId}/release`, { _csrf: fixture.browser.csrfToken });
      expect(response.status).toBe(303);
      const location = response.headers.get('location') ?? '';
      expect(location).toMatch(
        new RegExp(`^/ui/deliveries/${ids.kovacs}\\?notice=[A-Za-z0-9_-]{24}#event-${eventId}$`),
      );
      const path = location.replace(/#.*$/, '');
      const token = new URL(path, fixture.receiver.baseUrl).searchParams.get('notice') ?? '';
      const page = await get(path);
      expect(page.text).toContain('<p class="notice ok" role="status">Event released: its jobs run now.</p>');
      expect(page.text).not.toContain(token);
      expect(page.text).not.toMatch(/[?&;]notice=|name="notice"/);
      expect((await get(path)).text).not.toContain('Event released');

      // Another delivery's page with a token issued for this one: no notice (and the token is spent).
      await fixture.receiver.app.store.setEventVerification(eventId, {
        status: 'mismatched',
        detail: 'test',
      });
      const again = await postForm(`/ui/events/${eventId}/release`, { _csrf: fixture.browser.csrfToken });
      const spent = new URL(again.headers.get('location') ?? '', fixture.receiver.baseUrl).searchParams.get(
        'notice',
      );
      expect((await get(`/ui/deliveries/${ids.nagy}?notice=${spent}`)).text).not.toMatch(NOTICE);
      expect((await get(`/ui/deliveries/${ids.kovacs}?notice=${spent}`)).text).not.toContain(
        'Event released',
      );
    });

    it('re-process: says so once, and not to another session the link is sent to', async () => {
      const deliveryId = await quarantineOrderDelivery(fixture.receiver, order(7, { innerId: '7001' }));
      const response = await postForm(`/ui/deliveries/${deliveryId}/reprocess`, {
        _csrf: fixture.browser.csrfToken,
      });
      expect(response.status).toBe(303);
      const location = response.headers.get('location') ?? '';
      expect(location).toMatch(new RegExp(`^/ui/deliveries/${deliveryId}\\?notice=[A-Za-z0-9_-]{24}$`));
      // Another operator's session opens the link first: no notice, and the token is spent for both.
      const other = await loginAsBrowser(fixture.receiver);
      const theirs = await fetch(`${fixture.receiver.baseUrl}${location}`, {
        headers: { cookie: other.cookie },
      });
      expect(theirs.status).toBe(200);
      expect(await theirs.text()).not.toContain('Delivery re-processed');
      expect((await get(location)).text).not.toContain('Delivery re-processed');

      const mine = await quarantineOrderDelivery(fixture.receiver, order(8, { innerId: '7002' }));
      const done = await postForm(`/ui/deliveries/${mine}/reprocess`, { _csrf: fixture.browser.csrfToken });
      expect((await get(done.headers.get('location') ?? '')).text).toContain(
        '<p class="notice ok" role="status">Delivery re-processed: its events were stored and their jobs queued.</p>',
      );
    });
  });

  describe('live stream', () => {
    function openStream(
      baseUrl: string,
      cookie: string,
    ): Promise<{
      response: IncomingMessage;
      next: (pattern: RegExp) => Promise<string>;
      ended: Promise<void>;
    }> {
      return new Promise((resolve, reject) => {
        const request = httpRequest(
          `${baseUrl}/ui/events/stream`,
          { headers: { cookie, accept: 'text/event-stream' } },
          (response) => {
            let buffer = '';
            const waiters: Array<{ pattern: RegExp; resolve: (text: string) => void }> = [];
            const ended = new Promise<void>((done) => response.on('end', done));
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              buffer += chunk;
              for (const waiter of [...waiters]) {
                const match = waiter.pattern.exec(buffer);
                if (match) {
                  waiters.splice(waiters.indexOf(waiter), 1);
                  waiter.resolve(match[0]);
                }
              }
            });
            resolve({
              response,
              ended,
              next: (pattern) =>
                new Promise((found) => {
                  const match = pattern.exec(buffer);
                  if (match) found(match[0]);
                  else waiters.push({ pattern, resolve: found });
                }),
            });
          },
        );
        request.on('error', reject);
        request.end();
      });
    }

    it('ends the streams of a session when it logs out (and keeps the others open)', async () => {
      const own = await startAdminReceiver();
      try {
        const leaving = await loginAsBrowser(own);
        const staying = await loginAsBrowser(own);
        const stream = await openStream(own.baseUrl, leaving.cookie);
        const other = await openStream(own.baseUrl, staying.cookie);
        await stream.next(/retry: \d+/);
        await other.next(/retry: \d+/);

        expect((await logoutAsBrowser(own, leaving)).status).toBe(303);
        const ended = await Promise.race([
          stream.ended.then(() => 'ended'),
          new Promise((resolve) => setTimeout(() => resolve('still open 5 s after the logout'), 5000)),
        ]);
        expect(ended).toBe('ended');

        // The other session's stream still gets changes.
        const posted = await postDelivery(own, orderDelivery([order(22, { innerId: '2222' })]));
        await other.next(new RegExp(`"deliveryId":"${posted.body.deliveryId}"`));
        expect(other.response.complete).toBe(false);
        other.response.destroy();
      } finally {
        await own.close().catch(() => {});
      }
    });

    it('pushes a new delivery to an open page, and ends the stream when the fixture.receiver shuts down', async () => {
      const own = await startAdminReceiver();
      try {
        const session = await loginAsBrowser(own);
        const stream = await openStream(own.baseUrl, session.cookie);
        expect(stream.response.statusCode).toBe(200);
        expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        expect(stream.response.headers['content-security-policy']).toContain("default-src 'none'");
        await stream.next(/retry: \d+/);

        const posted = await postDelivery(own, orderDelivery([order(21, { innerId: '2121' })]));
        const message = await stream.next(
          new RegExp(
            `event: change\\ndata: (\\{[^\\n]*"deliveryId":"${posted.body.deliveryId}"[^\\n]*\\})\\n\\n`,
          ),
        );
        const data = JSON.parse(message.split('data: ')[1] ?? '') as Record<string, unknown>;
        expect(data).toEqual({
          kind: 'delivery',
          deliveryId: posted.body.deliveryId,
          shop: SHOP,
          event: 'order_confirm',
          status: 'stored',
        });
        expect(message).not.toContain('Kovács');

        await own.close();
        await stream.ended;
      } finally {
        await own.close().catch(() => {});
      }
    });
  });
});
