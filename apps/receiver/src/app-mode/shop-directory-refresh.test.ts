/**
 * The shop directory's re-read from the store (every few seconds) must not undo what this instance
 * wrote meanwhile: a re-read whose store query started before an uninstall and finished after it would
 * put the shop back as installed — its URLs accepted and its jobs run again — until the next re-read.
 */
import { describe, expect, it } from 'vitest';
import type { AppShopRecord, AppShopStore } from '../store/app-shops/app-shop-store.js';
import { ShopDirectory } from './shop-directory.js';

const record = (status: AppShopRecord['status'], updatedAt: number): AppShopRecord => ({
  shop: 'alpha',
  status,
  installedAt: new Date(1_000),
  appVersion: null,
  uninstalledAt: status === 'uninstalled' ? new Date(updatedAt) : null,
  pendingReason: null,
  attempts: 0,
  nextAttemptAt: null,
  subscriptions: [],
  secretFingerprint: null,
  updatedAt: new Date(updatedAt),
});

/** An app shop store whose list() answers when the test says, with what it says. */
function slowList() {
  let answer: (records: AppShopRecord[]) => void = () => {};
  const store = {
    list: () =>
      new Promise<AppShopRecord[]>((resolve) => {
        answer = resolve;
      }),
  } as unknown as AppShopStore;
  return { store, answer: (records: AppShopRecord[]) => answer(records) };
}

describe('ShopDirectory.refresh', () => {
  it('keeps an uninstall this instance recorded while a re-read was under way', async () => {
    const { store, answer } = slowList();
    const directory = new ShopDirectory([], undefined, store);
    directory.remember(record('installed', 2_000));
    const reading = directory.refresh(); // reads the store as it was before the uninstall
    directory.remember(record('uninstalled', 3_000)); // the uninstall call, handled meanwhile
    answer([record('installed', 2_000)]);
    await reading;
    expect(directory.isUninstalled('alpha')).toBe(true);
  });

  it('takes what the store has for a record remembered before the read, whatever its time says', async () => {
    // Another instance (its clock behind this one's) re-installed the shop after this one uninstalled it.
    const { store, answer } = slowList();
    const directory = new ShopDirectory([], undefined, store);
    directory.remember(record('uninstalled', 5_000));
    const reading = directory.refresh();
    answer([record('installed', 4_000)]);
    await reading;
    expect(directory.isUninstalled('alpha')).toBe(false);
  });

  it('takes what the store has when it is newer (another instance wrote it)', async () => {
    const { store, answer } = slowList();
    const directory = new ShopDirectory([], undefined, store);
    directory.remember(record('uninstalled', 3_000));
    const reading = directory.refresh();
    answer([record('installed', 4_000)]); // re-installed through another instance
    await reading;
    expect(directory.isUninstalled('alpha')).toBe(false);
    expect(directory.appShop('alpha')?.status).toBe('installed');
  });
});
