/**
 * Stored search texts composed by an older search text rule (stored-search-text.ts SEARCH_TEXT_RULES)
 * composed again, in the background, once the store is migrated: the store records the rule version its
 * texts were composed by (`search_text_versions`: SQLite migration 22, PostgreSQL 27); when it is older
 * than this receiver's, the events the newer rules compose differently are rewritten page by page
 * (SEARCH_REBUILD_PAGE_ROWS events a store call, one call at a time, the event loop free in between), then
 * the new version is recorded. The receiver is ready and stores deliveries meanwhile (new events get the
 * new rule's text as they come); until the pass is done, a search may miss an older event that only the new
 * rule finds. A pass that fails (the store went away) is tried again from the page it failed on, after
 * 1 s, doubling up to a minute; a process that stops in the middle does it again at its next start (the
 * pages done before change nothing then). A store already at the newest rule costs one read.
 *
 * Before, search texts were composed again only by schema migrations (SQLite 10 and 11, PostgreSQL 12 and
 * 13), and a change of the rule without one (phone numbers in three groups, `30/123-45-67`) left stored
 * events unfindable by the forms it added.
 */
import { BackgroundRetry } from './background-retry.js';
import type { SearchTextPage, SearchTextRebuildResult } from './stored-search-text.js';
import { SEARCH_TEXT_VERSION, searchTextRebuild } from './stored-search-text.js';

export interface SearchTextRebuildStore {
  /** The rule version the store's search texts were composed by. */
  searchTextVersion(): Promise<number>;
  /** One page of the rebuild from rule `from`, the events after `after` by id. */
  rebuildSearchTextPage(from: number, after: string): Promise<SearchTextPage>;
  /** Records the versions after `from` (the store is at the newest rule). */
  recordSearchTextVersions(from: number): Promise<void>;
}

/** The first wait before a failed pass is tried again, then doubled up to the longest. */
export const SEARCH_REBUILD_FIRST_RETRY_MS = 1000;
export const SEARCH_REBUILD_MAX_RETRY_MS = 60_000;

export class SearchTextRebuilder {
  readonly #store: SearchTextRebuildStore;
  readonly #passes: BackgroundRetry;
  #started = false;
  #closed = false;
  /** Where a failed pass goes on from. */
  #after = '';
  #rows = 0;
  #rewritten = 0;
  #begun = 0;
  #from: number | null = null;
  readonly #done: Promise<SearchTextRebuildResult | null>;
  #resolve: (result: SearchTextRebuildResult | null) => void = () => {};

  constructor(store: SearchTextRebuildStore) {
    this.#store = store;
    this.#passes = new BackgroundRetry(() => this.#pass(), {
      firstRetryMs: SEARCH_REBUILD_FIRST_RETRY_MS,
      maxRetryMs: SEARCH_REBUILD_MAX_RETRY_MS,
    });
    this.#done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Starts the pass in the background (once; later calls do nothing). */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#passes.request(0);
  }

  /**
   * Resolves when the pass is done: what it did, or null when the store was at the newest rule already.
   * Never rejects (a failing pass is retried); stays pending if the store is closed first.
   */
  done(): Promise<SearchTextRebuildResult | null> {
    return this.#done;
  }

  /**
   * Stops the pass: no page after the one in flight, which the store's close settles as any call in flight
   * (SQLite commits it; PostgreSQL waits for it or cuts it, as with a silent server).
   */
  close(): void {
    this.#closed = true;
    this.#passes.close();
  }

  async #pass(): Promise<void> {
    if (this.#from === null) {
      const recorded = await this.#store.searchTextVersion();
      if (searchTextRebuild(recorded) === null) {
        this.#resolve(null);
        return;
      }
      this.#from = recorded;
      this.#begun = performance.now();
    }
    const from = this.#from;
    for (;;) {
      if (this.#closed) return;
      const page = await this.#store.rebuildSearchTextPage(from, this.#after);
      this.#rows += page.read;
      this.#rewritten += page.rewritten;
      this.#passes.progressed();
      if (page.last === null) break;
      this.#after = page.last;
      // The event loop is free between pages (requests, the worker's store calls).
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.#closed) return;
    await this.#store.recordSearchTextVersions(from);
    this.#resolve({
      from,
      to: SEARCH_TEXT_VERSION,
      rows: this.#rows,
      rewritten: this.#rewritten,
      ms: performance.now() - this.#begun,
    });
  }
}
