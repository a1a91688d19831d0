/**
 * The background search text rebuild (search-text-rebuild.ts) against a store played by the test: it
 * goes page by page from the recorded rule version, records the newest at the end, goes on from the page
 * that failed when the store went away, does nothing on a store at the newest rule, and stops when closed.
 * The engines' pages are tested with real stores (sqlite-store.test.ts, pg-store.test.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { SearchTextRebuilder, type SearchTextRebuildStore } from './search-text-rebuild.js';
import { SEARCH_TEXT_VERSION, type SearchTextPage } from './stored-search-text.js';

function playedStore(options: { version: number; pages: number; failAt?: string }) {
  const calls: string[] = [];
  let failed = false;
  const store: SearchTextRebuildStore & { recorded: number | null } = {
    recorded: null,
    async searchTextVersion() {
      calls.push('version');
      return options.version;
    },
    async rebuildSearchTextPage(from: number, after: string): Promise<SearchTextPage> {
      calls.push(`page ${from} after '${after}'`);
      if (after === options.failAt && !failed) {
        failed = true;
        throw new Error('store went away');
      }
      const index = after === '' ? 0 : Number(after.slice(1));
      return { last: index + 1 < options.pages ? `p${index + 1}` : null, read: 10, rewritten: 1 };
    },
    async recordSearchTextVersions(from: number) {
      calls.push(`record after ${from}`);
      store.recorded = SEARCH_TEXT_VERSION;
    },
  };
  return { store, calls };
}

describe('search text rebuild', () => {
  it('composes again page by page from the recorded version, then records the newest', async () => {
    const { store, calls } = playedStore({ version: 1, pages: 3 });
    const rebuilder = new SearchTextRebuilder(store);
    rebuilder.start();
    rebuilder.start();
    expect(await rebuilder.done()).toMatchObject({
      from: 1,
      to: SEARCH_TEXT_VERSION,
      rows: 30,
      rewritten: 3,
    });
    expect(calls).toEqual([
      'version',
      "page 1 after ''",
      "page 1 after 'p1'",
      "page 1 after 'p2'",
      'record after 1',
    ]);
    expect(store.recorded).toBe(SEARCH_TEXT_VERSION);
  });

  it('does nothing but read the version on a store at the newest rule', async () => {
    const { store, calls } = playedStore({ version: SEARCH_TEXT_VERSION, pages: 3 });
    const rebuilder = new SearchTextRebuilder(store);
    rebuilder.start();
    expect(await rebuilder.done()).toBeNull();
    expect(calls).toEqual(['version']);
  });

  it('goes on from the page that failed, a second later', async () => {
    const { store, calls } = playedStore({ version: 1, pages: 3, failAt: 'p1' });
    const rebuilder = new SearchTextRebuilder(store);
    const started = Date.now();
    rebuilder.start();
    expect(await rebuilder.done()).toMatchObject({ from: 1, rows: 30, rewritten: 3 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(calls).toEqual([
      'version',
      "page 1 after ''",
      "page 1 after 'p1'",
      "page 1 after 'p1'",
      "page 1 after 'p2'",
      'record after 1',
    ]);
  });

  it('stops when closed: no page after the one in flight, nothing recorded', async () => {
    const { store, calls } = playedStore({ version: 1, pages: 100 });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const page = store.rebuildSearchTextPage.bind(store);
    store.rebuildSearchTextPage = async (from, after) => {
      if (after === 'p2') await gate;
      return page(from, after);
    };
    const rebuilder = new SearchTextRebuilder(store);
    rebuilder.start();
    await vi.waitFor(() => expect(calls.at(-1)).toBe("page 1 after 'p1'"));
    await new Promise((resolve) => setTimeout(resolve, 10));
    rebuilder.close();
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.at(-1)).toBe("page 1 after 'p2'");
    expect(store.recorded).toBeNull();
  });
});
