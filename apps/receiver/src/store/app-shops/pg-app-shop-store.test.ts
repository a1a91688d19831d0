import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { PgStore } from '../postgres/pg-store.js';
import { defineAppShopStoreContract } from '../test-support/app-shop-store-contract.js';
import { createAppShopStore } from './create-app-shop-store.js';

const nextSchema = testSchemas('srhooks_apps');

defineAppShopStoreContract('postgres', {
  open: async () => {
    const store = new PgStore({
      url: TEST_DATABASE_URL,
      schema: nextSchema(),
      poolSize: 2,
      shareChanges: false,
    });
    await store.migrate();
    return { store, appShops: createAppShopStore(store) };
  },
});
