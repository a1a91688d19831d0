import { describe, expect, it } from 'vitest';
import { SLOW_COMMIT_MS } from './store.js';
import { addStoreStats, emptyStoreStats, recordCommit } from './store-stats.js';

describe('store stats', () => {
  it('counts commits, their writes, the largest batch, and commits slower than SLOW_COMMIT_MS', () => {
    const stats = emptyStoreStats();
    recordCommit(stats, 3, 0.4);
    recordCommit(stats, 7, SLOW_COMMIT_MS + 0.5);
    recordCommit(stats, 2, SLOW_COMMIT_MS);
    expect(stats).toEqual({
      commits: 3,
      items: 12,
      largestBatch: 7,
      slowCommits: 1,
      longestCommitMs: SLOW_COMMIT_MS + 0.5,
    });
  });

  it('adds two periods: sums the counts, keeps the maxima', () => {
    const past = emptyStoreStats();
    recordCommit(past, 5, 120);
    const current = emptyStoreStats();
    recordCommit(current, 9, 1);
    recordCommit(current, 1, 6);
    expect(addStoreStats(past, current)).toEqual({
      commits: 3,
      items: 15,
      largestBatch: 9,
      slowCommits: 2,
      longestCommitMs: 120,
    });
  });
});
