/**
 * Found by the inspector QA: the CLI (`srhooks events list`, `events show`) and the admin API's events
 * name events by their `evt_…` id, but the inspector had no address for one: `/ui/events/evt_…` was
 * "The inspector has no page at …", and an event id pasted into a delivery's address was "No delivery
 * with id evt_… exists: retention may have deleted it" about an event that exists. Both now open the
 * event's delivery page at the event.
 */
import { describe, expect, it } from 'vitest';
import { type InspectorFixture, inspectorFixture } from './test-support/inspector-fixture.js';

describe("inspector: an event's address", () => {
  const fixture: InspectorFixture = inspectorFixture();
  const { ids, get, eventOf } = fixture;

  it.each([
    ['/ui/events/:event', ''],
    ['/ui/events/:event?reveal=1', '?reveal=1'],
    ['/ui/deliveries/:event', ''],
    ['/ui/deliveries/:event?reveal=1', '?reveal=1'],
  ])('%s opens its delivery page at the event', async (template, reveal) => {
    const delivery = ids.kovacs ?? '';
    const event = await eventOf(delivery);
    const answer = await get(template.replace(':event', event), { accept: 'text/html' });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(`/ui/deliveries/${delivery}${reveal}#event-${event}`);
    // And that page has the event where the address points.
    const page = await get(`/ui/deliveries/${delivery}${reveal}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`id="event-${event}"`);
  });

  it("says an unknown event is not there (404), in the inspector's words", async () => {
    const missing = `${(await eventOf(ids.kovacs ?? '')).slice(0, -4)}0000`;
    for (const path of [`/ui/events/${missing}`, `/ui/deliveries/${missing}`]) {
      const page = await get(path, { accept: 'text/html' });
      expect(page.status, path).toBe(404);
      expect(page.text).toContain(`No event with id &quot;${missing}&quot; exists`);
      expect(page.text).not.toContain('No delivery with id');
    }
  });

  it('refuses what the address does not take; a delivery id there opens that delivery', async () => {
    const event = await eventOf(ids.kovacs ?? '');
    const unknown = await get(`/ui/events/${event}?x=1`, { accept: 'text/html' });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('The address has x, which this page does not take');
    const malformed = await get('/ui/events/not-an-id', { accept: 'text/html' });
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('evt_01k');
    const delivery = await get(`/ui/events/${ids.kovacs}?reveal=1`, { accept: 'text/html' });
    expect(delivery.status).toBe(303);
    expect(delivery.headers.get('location')).toBe(`/ui/deliveries/${ids.kovacs}?reveal=1`);
  });

  it('leaves the live stream where it was (/ui/events/stream is no event id)', async () => {
    const stream = await get('/ui/events/stream?x=1');
    expect(stream.status).toBe(400);
    expect(stream.text).toContain('unknown field x');
  });
});
