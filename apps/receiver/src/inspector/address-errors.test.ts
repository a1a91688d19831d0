/**
 * Found by the inspector QA: a page's address it does not take (`/ui/deliveries/dlv_…?x=1`, `?reveal=2`,
 * `/ui/handlers?x=1`, a malformed id in the path) was answered under "Something went wrong" with the
 * admin API's words — `query: unknown field x; see receiver docs/admin-api-and-inspector.md, JSON admin
 * API` — pointing a browser user at an API they never called. The page now says the address is not
 * valid and what to change in it, as the deliveries list does for its filters.
 */
import { describe, expect, it } from 'vitest';
import { type InspectorFixture, inspectorFixture } from './test-support/inspector-fixture.js';

describe('inspector: a page address it does not take', () => {
  const fixture: InspectorFixture = inspectorFixture();
  const { ids, get, eventOf } = fixture;

  it.each([
    [
      '/ui/deliveries/:delivery?x=1',
      'The address has x, which this page does not take: remove it from the address.',
    ],
    [
      '/ui/deliveries/:delivery?x=1&y=2',
      'The address has x, y, which this page does not take: remove them from the address.',
    ],
    [
      '/ui/deliveries/:delivery?reveal=2',
      'The address&#39;s reveal must be 1 (show personal data) or absent.',
    ],
    [
      '/ui/dead-letters?handler=log&handler=log',
      'The address&#39;s handler must be given once (it was given 2 times).',
    ],
    ['/ui/deliveries/not-an-id', 'The address&#39;s id must be an id as the admin API lists it'],
    [
      '/ui/events/:event/erase?scope=foo',
      'The address&#39;s scope must be order (this order), email (everything with the e-mail address) or subscriber',
    ],
    ['/ui/dead-letters?foo=1', 'The address has foo, which this page does not take'],
    ['/ui/handlers?x=1', 'The address has x, which this page does not take'],
    ['/ui/shops?x=1', 'The address has x, which this page does not take'],
  ])('%s: 400 "Not a valid address", saying what to change in it', async (template, message) => {
    const path = template
      .replace(':delivery', ids.kovacs ?? '')
      .replace(':event', await eventOf(ids.kovacs ?? ''));
    const logged = fixture.receiver.logLines.length;
    const page = await get(path, { accept: 'text/html' });
    expect(page.status).toBe(400);
    expect(page.text).toContain('<title>Not a valid address · srhooks inspector</title>');
    expect(page.text).toContain('<h1>Not a valid address</h1>');
    expect(page.text).toContain(message);
    // Not the admin API's words, nor its validator's part names.
    expect(page.text).not.toContain('JSON admin API');
    expect(page.text).not.toContain('Something went wrong');
    expect(page.text).not.toMatch(/(query|params)(\.[a-z]+)?:/);
    const errors = fixture.receiver.logLines
      .slice(logged)
      .map((line) => JSON.parse(line) as { level: number })
      .filter((line) => line.level >= 50);
    expect(errors).toEqual([]);
  });

  it('keeps the heading of a refused form action (a POST answered 400) as it was', async () => {
    const eventId = await eventOf(ids.kovacs ?? '');
    const response = await fixture.postForm(`/ui/events/${eventId}/replay?handler=nope`, {
      _csrf: fixture.browser.csrfToken,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<h1>Not replayed</h1>');
  });
});
