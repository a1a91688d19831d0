import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import { defineAppShopStoreContract } from '../test-support/app-shop-store-contract.js';
import { createAppShopStore } from './create-app-shop-store.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-app-shops-'));
let counter = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

defineAppShopStoreContract('sqlite', {
  open: async () => {
    const store = new SqliteStore({ file: join(dir, `store-${++counter}.db`) });
    await store.migrate();
    return { store, appShops: createAppShopStore(store) };
  },
});
