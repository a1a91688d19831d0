/**
 * The Store contract: one suite, run against every engine (`sqlite-store.test.ts`, `pg-store.test.ts`),
 * one file per concern under store-contract/. Payloads and raw bodies come from the captured ShopRenter
 * deliveries in packages/contracts/fixtures/shoprenter (store-contract/fixtures.ts).
 */

import { afterEach, describe } from 'vitest';
import type { Store } from '../store.js';
import { adminSessionsContract } from './store-contract/admin-sessions.js';
import { erasedListsContract } from './store-contract/erased-lists.js';
import { erasureContract } from './store-contract/erasure.js';
import { erasureByOrderContract } from './store-contract/erasure-by-order.js';
import { erasureBySubscriberContract } from './store-contract/erasure-by-subscriber.js';
import { erasureEffectsContract } from './store-contract/erasure-effects.js';
import type { StoreHarness } from './store-contract/fixtures.js';
import { ingestContract } from './store-contract/ingest.js';
import { jobLeasesContract } from './store-contract/jobs-leases.js';
import { jobOutcomesContract } from './store-contract/jobs-outcomes.js';
import { lifecycleContract } from './store-contract/lifecycle.js';
import { pruneContract } from './store-contract/prune.js';
import { quarantineContract } from './store-contract/quarantine.js';
import { readsContract } from './store-contract/reads.js';
import { spooledContract } from './store-contract/spooled.js';

export { expectGroupCommit, jsonDelivery, type StoreHarness, T0 } from './store-contract/fixtures.js';

export function defineStoreContract(engine: string, harness: StoreHarness): void {
  describe(`Store contract: ${engine}`, () => {
    const opened: Store[] = [];
    const stores = {
      async open() {
        const store = await harness.open();
        opened.push(store);
        return store;
      },
      async openPeer(store: Store) {
        const peer = await harness.openPeer(store);
        opened.push(peer);
        return peer;
      },
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    ingestContract(stores);
    quarantineContract(stores);
    spooledContract(stores);
    readsContract(stores);
    jobLeasesContract(stores);
    jobOutcomesContract(stores);
    adminSessionsContract(stores);
    pruneContract(stores);
    erasureContract(stores);
    erasureEffectsContract(stores);
    erasureByOrderContract(stores);
    erasureBySubscriberContract(stores);
    erasedListsContract(stores);
    lifecycleContract(stores);
  });
}
