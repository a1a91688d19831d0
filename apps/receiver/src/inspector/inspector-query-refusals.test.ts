/**
 * Found by the receiver QA: a form action took no notice of a query string (`POST
 * /ui/dead-letters/replay?handler=nope` replayed every handler's dead letters, `?scope=foo` on an
 * erase was ignored), and the deliveries list answered a filter given twice with zod's own words
 * ("Invalid input: expected string, received array").
 */
import { describe, expect, it } from 'vitest';
import { type InspectorFixture, inspectorFixture } from './test-support/inspector-fixture.js';

describe('inspector: query strings it does not take', () => {
  const fixture: InspectorFixture = inspectorFixture();
  const { ids, get, postForm, eventOf } = fixture;

  it.each([
    ['/ui/dead-letters/replay?handler=nope', 'handler'],
    ['/ui/handlers/log/disable?reason=maintenance', 'reason'],
    ['/ui/events/:event/replay?handler=nope', 'handler'],
    ['/ui/events/:event/erase?scope=foo', 'scope'],
  ])('refuses a form action with a query string: %s', async (path, field) => {
    const eventId = await eventOf(ids.kovacs ?? '');
    const before = (await fixture.receiver.app.store.getEvent(eventId))?.jobs.map((job) => job.status);
    const response = await postForm(path.replace(':event', eventId), {
      _csrf: fixture.browser.csrfToken,
      reason: 'GDPR-2026-1',
    });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain(`query: ${field} given to a form action`);
    expect(page).toContain('use the form on the page');
    expect((await fixture.receiver.app.store.getEvent(eventId))?.jobs.map((job) => job.status)).toEqual(
      before,
    );
    expect((await fixture.receiver.app.store.getEvent(eventId))?.erasure ?? null).toBeNull();
    expect((await fixture.receiver.app.store.listHandlerStates()).filter((state) => state.disabled)).toEqual(
      [],
    );
  });

  it('names a list filter given twice in words, not the validator', async () => {
    const { status, text } = await get('/ui?shop=a&shop=b');
    expect(status).toBe(400);
    expect(text).toContain('must be given once (it was given 2 times)');
    expect(text).not.toContain('Invalid input');
  });
});
