/**
 * The inspector's dead letters page in app mode: "Replay all" leaves the dead letters of shops that
 * uninstalled the app (the admin operation's `uninstalledShops`), so its button counts only the others
 * and the page says why those stay — not "Replay all 3" when 2 of them would not be replayed.
 */
import { describe, expect, it } from 'vitest';
import { deadLettersContent } from './dead-letters-page.js';

const page = (uninstalledShops: number) =>
  deadLettersContent({
    base: '/ui',
    session: null,
    query: {},
    items: [],
    nextCursor: null,
    total: 3,
    handlers: ['audit'],
    unconfigured: [],
    uninstalledShops,
  }).toString();

describe('dead letters page: shops that uninstalled the app', () => {
  it('counts them out of "Replay all" and says why they stay', () => {
    const html = page(2);
    expect(html).toContain('Replay all 1 dead letter');
    expect(html).toContain('2 dead letters of shops that uninstalled the app stay');
    expect(html).toContain('after the app is installed on the shop again');
  });

  it('offers no replay when all of them are such shops', () => {
    expect(page(3)).not.toContain('Replay all');
  });

  it('says nothing of them when there are none', () => {
    const html = page(0);
    expect(html).toContain('Replay all 3 dead letters');
    expect(html).not.toContain('uninstalled');
  });
});
