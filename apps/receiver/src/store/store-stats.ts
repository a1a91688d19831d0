/** Counting commits for {@link StoreStats}: one implementation for both engines. */
import { SLOW_COMMIT_MS, type StoreStats } from './store.js';

export function emptyStoreStats(): StoreStats {
  return { commits: 0, items: 0, largestBatch: 0, slowCommits: 0, longestCommitMs: 0 };
}

/** Records one commit of `items` writes that took `durationMs`. */
export function recordCommit(stats: StoreStats, items: number, durationMs: number): void {
  stats.commits += 1;
  stats.items += items;
  stats.largestBatch = Math.max(stats.largestBatch, items);
  if (durationMs > SLOW_COMMIT_MS) stats.slowCommits += 1;
  stats.longestCommitMs = Math.max(stats.longestCommitMs, durationMs);
}

/** The stats of two periods (a writer thread that ended, and its successor) as one. */
export function addStoreStats(a: StoreStats, b: StoreStats): StoreStats {
  return {
    commits: a.commits + b.commits,
    items: a.items + b.items,
    largestBatch: Math.max(a.largestBatch, b.largestBatch),
    slowCommits: a.slowCommits + b.slowCommits,
    longestCommitMs: Math.max(a.longestCommitMs, b.longestCommitMs),
  };
}
