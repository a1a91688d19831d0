/**
 * `/ui/dead-letters` with more dead letters than one page: paging by cursor, the total, the scope of
 * "replay all" (every dead letter the filter matches, not only the page), and the personal-data
 * toggle. Real receiver (HTTP, tmp SQLite); the test plays the worker through the store.
 */
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
import { deadLettersContent } from './dead-letters-page.js';

const DEAD = 205;

describe('dead-letters page', () => {
  let receiver: TestReceiver;
  let browser: BrowserSession;
  const deadJobIds = new Set<string>();
  const deadTimes: Date[] = [];

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    browser = await loginAsBrowser(receiver);
    const orders = Array.from({ length: DEAD }, (_, index) =>
      order(index + 1, { innerId: String(9000 + index), firstname: 'Éva', lastname: 'Kovács' }),
    );
    const posted = await postDelivery(receiver, orderDelivery(orders));
    expect(posted.body.events).toBe(DEAD);
    const claimed = await receiver.app.store.claimJobs({ workerId: 'w', limit: 500, leaseMs: 60_000 });
    expect(claimed).toHaveLength(DEAD);
    // Several share a dead-letter moment: paging must neither skip nor repeat them.
    const at = new Date();
    for (const [index, job] of claimed.entries()) {
      await receiver.app.store.failJob(job.id, {
        attempt: job.attempt,
        error: 'ERP refused Kovács Éva',
        deadLetter: true,
        now: new Date(at.getTime() - Math.floor(index / 3) * 1000),
      });
      deadJobIds.add(job.id);
      deadTimes.push(new Date(at.getTime() - Math.floor(index / 3) * 1000));
    }
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const page = (path: string): Promise<string> => pageText(receiver.baseUrl, browser.cookie, path);

  function jobIdsOf(text: string): string[] {
    return [...text.matchAll(/<tr data-job-id="(job_[0-9a-z]+)"/g)].map((match) => match[1] ?? '');
  }

  function olderLink(text: string): string | null {
    const href = /<a href="([^"]+)"[^>]*>Older →<\/a>/.exec(text)?.[1];
    return href ? href.replaceAll('&amp;', '&') : null;
  }

  it('pages through every dead letter with "Older →" and shows the total', async () => {
    const first = await page('/ui/dead-letters');
    expect(first).toContain(`200 of ${DEAD} dead letters`);
    const seen = jobIdsOf(first);
    expect(seen).toHaveLength(200);
    const next = olderLink(first);
    expect(next).toMatch(/^\/ui\/dead-letters\?cursor=dead_[0-9a-z]+$/);
    const second = await page(next ?? '');
    const rest = jobIdsOf(second);
    expect(rest).toHaveLength(DEAD - 200);
    expect(olderLink(second)).toBeNull();
    expect(second).toContain('← Newest');
    expect(new Set([...seen, ...rest])).toEqual(deadJobIds);
  });

  it('masks customers until "Show personal data", and keeps the filter and the toggle while paging', async () => {
    const masked = await page('/ui/dead-letters?handler=log');
    expect(masked).not.toContain('Kovács');
    expect(masked).toContain('K*** É***');
    const toggle = /<a class="button secondary" href="([^"]+)">Show personal data<\/a>/.exec(masked)?.[1];
    expect(toggle?.replaceAll('&amp;', '&')).toBe('/ui/dead-letters?handler=log&reveal=1');
    const revealed = await page('/ui/dead-letters?handler=log&reveal=1');
    expect(revealed).toContain('Kovács Éva');
    expect(revealed).toContain('Hide personal data');
    expect(olderLink(revealed)).toMatch(/^\/ui\/dead-letters\?handler=log&cursor=dead_[0-9a-z]+&reveal=1$/);
  });

  it('keeps a window with seconds exact in its links and fields (not cut to the minute, which widened it)', async () => {
    // Half a second after a dead letter that is not in the first half second of its minute: cut to
    // the minute, the window would take in that dead letter and the ones before it in that minute.
    const anchor = [...deadTimes]
      .sort((a, b) => a.getTime() - b.getTime())
      .find((time) => time.getTime() % 60_000 < 59_000 && time.getTime() % 60_000 > 1000);
    expect(anchor).toBeDefined();
    const from = new Date((anchor?.getTime() ?? 0) + 500);
    const expected = deadTimes.filter((time) => time >= from).length;
    expect(expected).toBeLessThan(DEAD);
    expect(expected).toBeGreaterThan(0);
    const path = `/ui/dead-letters?from=${encodeURIComponent(from.toISOString())}`;
    const first = await page(path);
    expect(first).toContain(` of ${expected} dead letters matching this filter`);
    expect(first).toContain(`step="any" value="${from.toISOString().slice(0, 23)}"`);
    const toggle = /<a class="button secondary" href="([^"]+)">Show personal data<\/a>/.exec(first)?.[1];
    const revealed = await page(toggle?.replaceAll('&amp;', '&') ?? '');
    expect(revealed).toContain(` of ${expected} dead letters matching this filter`);
    // A whole minute stays a minute in the field.
    expect(await page('/ui/dead-letters?from=2025-12-01T20:57Z')).toContain(
      'step="60" value="2025-12-01T20:57"',
    );
  });

  it('says the replay button replays every dead letter the filter matches, and does (not only this page)', async () => {
    const filtered = await page('/ui/dead-letters?handler=log');
    expect(filtered).toContain(`Replay all ${DEAD} dead letters matching this filter</button>`);
    expect(filtered).toContain('<input type="hidden" name="handler" value="log">');
    const first = await page('/ui/dead-letters');
    expect(first).toContain(`Replay all ${DEAD} dead letters</button>`);
    expect(first).toContain('Every page, not only the rows shown here');
    const second = await page(olderLink(first) ?? '');
    // Also from an older page: the button's scope is the filter, not the page.
    expect(second).toContain(`Replay all ${DEAD} dead letters</button>`);
    expect(second).not.toContain('name="cursor"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(second)?.[1] ?? '';
    const response = await postFormAsBrowser(
      receiver,
      browser,
      '/ui/dead-letters/replay',
      new URLSearchParams({ _csrf: csrf }),
    );
    expect(response.status).toBe(303);
    expect(await receiver.app.store.countDeadLetters()).toBe(0);
    expect(await page('/ui/dead-letters')).toContain('No dead letters');
  });
});

describe('dead-letters page after "Replay all"', () => {
  let receiver: TestReceiver;
  let browser: BrowserSession;

  beforeAll(async () => {
    receiver = await startAdminReceiver({
      shops: [{ name: 'demo', handlers: ['log', 'audit'] }],
      handlers: { log: { type: 'log' }, audit: { type: 'log' } },
    });
    browser = await loginAsBrowser(receiver);
    const orders = [1, 2, 3].map((n) =>
      order(n, { innerId: String(700 + n), firstname: 'Éva', lastname: 'Kovács' }),
    );
    expect((await postDelivery(receiver, orderDelivery(orders))).body.events).toBe(3);
    const claimed = await receiver.app.store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 60_000 });
    expect(claimed).toHaveLength(6);
    for (const job of claimed) {
      await receiver.app.store.failJob(job.id, {
        attempt: job.attempt,
        error: 'refused',
        deadLetter: true,
        now: new Date(),
      });
    }
  });

  afterAll(async () => {
    await receiver?.close();
  });

  /** Plays the worker: every job waiting to run fails for good (dead letters again). */
  async function failAll(): Promise<void> {
    const claimed = await receiver.app.store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 60_000 });
    expect(claimed.length).toBeGreaterThan(0);
    for (const job of claimed) {
      await receiver.app.store.failJob(job.id, {
        attempt: job.attempt,
        error: 'refused',
        deadLetter: true,
        now: new Date(),
      });
    }
  }

  async function replayAll(
    session: BrowserSession,
    fields: Record<string, string>,
  ): Promise<{ location: string; token: string }> {
    const query = new URLSearchParams(fields).toString();
    const before = await pageText(receiver.baseUrl, session.cookie, `/ui/dead-letters?${query}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(before)?.[1] ?? '';
    const response = await postFormAsBrowser(
      receiver,
      session,
      '/ui/dead-letters/replay',
      new URLSearchParams({ _csrf: csrf, ...fields }),
    );
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    return { location, token: new URL(location, receiver.baseUrl).searchParams.get('notice') ?? '' };
  }

  const view = (path: string, session: BrowserSession = browser): Promise<string> =>
    pageText(receiver.baseUrl, session.cookie, path);

  it('says how many it queued and keeps the filter it replayed (it showed the unfiltered list, nothing replayed in sight)', async () => {
    const { location, token } = await replayAll(browser, { handler: 'audit' });
    // A one-time token of this process, not the count: a link with a count in it shows nothing (below).
    expect(location).toMatch(/^\/ui\/dead-letters\?handler=audit&notice=[A-Za-z0-9_-]{24}$/);
    expect(token).not.toBe('3');
    const text = await view(location);
    expect(text).toContain('Replay queued: 3 dead letters of this filter run again now');
    expect(text).toContain('<option value="audit" selected>');
    // None of audit's is left: said of the handler filtered by (the page has no window to speak of).
    expect(text).toContain('No dead letters of handler audit.');
    expect(text).not.toContain('in this window');
    // Links and forms from the page never carry the notice on.
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/replayed=|name="replayed"|[?&;]notice=|name="notice"/);
    expect(await receiver.app.store.countDeadLetters({ handler: 'audit' })).toBe(0);
    expect(await receiver.app.store.countDeadLetters({ handler: 'log' })).toBe(3);
    // Shown once: a reload (or the same link sent on) shows the page without it, and no error.
    const again = await view(location);
    expect(again).toContain('<option value="audit" selected>');
    expect(again).not.toContain('Replay queued');
  });

  it('shows no notice for a link someone made up (a count, or any other text), and no error', async () => {
    const values = ['3', '1', '999999999', '%3Cb%3E', 'AAAAAAAAAAAAAAAAAAAAAAAA'];
    // `replayed=` carried the count before the one-time tokens; `notice=` carries the token now.
    for (const query of values.flatMap((value) => [`replayed=${value}`, `notice=${value}`])) {
      const response = await fetch(`${receiver.baseUrl}/ui/dead-letters?handler=log&${query}`, {
        headers: { cookie: browser.cookie },
      });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain('<option value="log" selected>');
      expect(text).not.toContain('Replay queued');
      expect(text).not.toContain('<b>');
    }
  });

  it('shows the notice only to the session that replayed, on the filter it replayed', async () => {
    // The log handler's 3 dead letters were replayed by the previous test's "audit" only: replay them
    // here, and send the link to another operator's session before the first one opens it.
    const other = await loginAsBrowser(receiver);
    const { location } = await replayAll(browser, { handler: 'log' });
    expect(await view(location, other)).not.toContain('Replay queued');
    // The other session's view consumed it: the operator who replayed sees no notice either.
    expect(await view(location)).not.toContain('Replay queued');
    // Another filter than the one replayed: no notice.
    await failAll();
    const filtered = await replayAll(browser, { handler: 'log' });
    const elsewhere = filtered.location.replace('handler=log', 'handler=audit');
    expect(await view(elsewhere)).not.toContain('Replay queued');
  });

  it('returns to the revealed page when "Replay all" was pressed on one (it came back masked)', async () => {
    await failAll();
    const before = await view('/ui/dead-letters?handler=log&reveal=1');
    const form = /<form method="post" action="\/ui\/dead-letters\/replay"[\s\S]*?<\/form>/.exec(before)?.[0];
    expect(form).toContain('<input type="hidden" name="reveal" value="1">');
    const { location } = await replayAll(browser, { handler: 'log', reveal: '1' });
    expect(location).toMatch(/^\/ui\/dead-letters\?handler=log&notice=[A-Za-z0-9_-]{24}&reveal=1$/);
    const text = await view(location);
    expect(text).toContain('Replay queued: 3 dead letters of this filter run again now');
    expect(text).toContain('Hide personal data');
    const toggle = /<a class="button secondary" href="([^"]+)">Hide personal data<\/a>/.exec(text)?.[1];
    expect(toggle?.replaceAll('&amp;', '&')).toBe('/ui/dead-letters?handler=log');
  });

  it('says "1 dead letter … runs" of one', () => {
    const text = deadLettersContent({
      base: '/ui',
      session: null,
      query: { handler: 'log' },
      items: [],
      nextCursor: null,
      total: 0,
      handlers: ['log'],
      unconfigured: [],
      replayedCount: 1,
    }).toString();
    expect(text).toContain(
      'Replay queued: 1 dead letter of this filter runs again now; its new attempt appears on its delivery&#39;s page',
    );
  });
});
