/**
 * The per-shop install lock (`AppShopStore.withInstallLock`): the app's API step for one shop — an install
 * call's subscriptions, the background retry, the re-subscription after a URL secret rotation — runs on one
 * holder at a time. Within a process a queue per shop (`KeyedQueue`); across receivers on one PostgreSQL
 * store a session advisory lock on a dedicated connection (pg-app-shop-store.ts). SQLite is one receiver
 * process's file (enforced by its lock file, sqlite/receiver-lock.ts), so the queue is the whole lock there.
 */
import { StoreError } from '../store-errors.js';

/** How long a step waits for another holder of the shop's lock before it gives up (and is retried). */
export const INSTALL_LOCK_WAIT_MS = 30_000;
/** How long a holder may keep the lock: past it, the work's signal aborts its API calls. */
export const INSTALL_LOCK_HOLD_MS = 120_000;

export interface InstallLockOptions {
  /** Default INSTALL_LOCK_WAIT_MS. */
  waitMs?: number;
  /** Default INSTALL_LOCK_HOLD_MS. */
  holdMs?: number;
  /**
   * Bounds taking the lock (connecting, waiting for it), not holding it: the receiver's shutdown grace for
   * an install step (install-step.ts), so a link to PostgreSQL gone silent does not hold the shutdown for
   * the lock's query timeout. When it rejects, the acquisition is ended (its connection cut) and its error
   * is the lock's. Absent: the lock's own timeouts alone.
   */
  boundAcquisition?: (acquiring: Promise<void>) => Promise<void>;
}

/**
 * The shop's install lock was held elsewhere (another receiver on the same store) for longer than the wait
 * allows. Nothing was done; the step is retried later (the shop stays pending).
 */
export class InstallLockBusyError extends StoreError {
  declare readonly code: 'install_lock_busy';

  constructor(shop: string, waitMs: number) {
    super(
      'install_lock_busy',
      `another receiver on this store has been running the app's API step for shop "${shop}" for over ${Math.round(waitMs / 1000)} s; nothing was done here, the step is retried later (if it stays busy, look for a receiver stuck calling the shop's API)`,
    );
  }
}

/**
 * The lock was lost while held (its PostgreSQL connection ended) or held past the hold limit: the work's
 * API calls are aborted with this reason, since another holder may now be running.
 */
export class InstallLockLostError extends StoreError {
  declare readonly code: 'install_lock_lost';

  constructor(shop: string, why: string) {
    super(
      'install_lock_lost',
      `the install lock for shop "${shop}" was lost (${why}); its API calls were stopped and the step is retried later`,
    );
  }
}

/** Runs work for one key after the previous work for that key has settled (in this process). */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    const result = previous ? previous.then(work, work) : work();
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}

/**
 * A signal for the holder's work that aborts after `holdMs` (InstallLockLostError), and its cleanup. `lose`
 * aborts it at once with another reason (e.g. the lock's connection ended).
 */
export function holdSignal(
  shop: string,
  holdMs: number,
): { signal: AbortSignal; lose(why: string): void; done(): void } {
  const controller = new AbortController();
  const lose = (why: string) => {
    if (!controller.signal.aborted) controller.abort(new InstallLockLostError(shop, why));
  };
  const timer = setTimeout(() => lose(`held for over ${Math.round(holdMs / 1000)} s`), holdMs);
  timer.unref();
  return { signal: controller.signal, lose, done: () => clearTimeout(timer) };
}

/** The advisory lock's name (hashed with hashtext): namespaced by schema, so two stores on one database do not collide. */
export function installLockName(schema: string | null, shop: string): string {
  return `srhooks.app-install:${schema ?? 'default'}:${shop}`;
}
