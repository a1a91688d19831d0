/** The Store contract, admin session revocations. */
import { describe, expect, it } from 'vitest';
import { type ContractStores, seconds } from './fixtures.js';

export function adminSessionsContract({ open, openPeer }: ContractStores): void {
  describe('admin session revocations', () => {
    it('refuses a revoked session on every instance until it would have expired, idempotently', async () => {
      const store = await open();
      const peer = await openPeer(store);
      expect(await store.isAdminSessionRevoked('s1', { now: seconds(0) })).toBe(false);
      await store.revokeAdminSession('s1', seconds(3600), { now: seconds(0) });
      await store.revokeAdminSession('s1', seconds(3600), { now: seconds(1) });
      expect(await store.isAdminSessionRevoked('s1', { now: seconds(2) })).toBe(true);
      expect(await peer.isAdminSessionRevoked('s1', { now: seconds(2) })).toBe(true);
      expect(await peer.isAdminSessionRevoked('s2', { now: seconds(2) })).toBe(false);
      // Past its expiry the cookie is refused anyway; the revocation lapses and is cleaned up.
      expect(await store.isAdminSessionRevoked('s1', { now: seconds(3600) })).toBe(false);
      await peer.revokeAdminSession('s2', seconds(7200), { now: seconds(3601) });
      expect(await store.isAdminSessionRevoked('s2', { now: seconds(3602) })).toBe(true);
    });
  });
}
