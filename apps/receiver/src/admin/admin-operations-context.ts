/**
 * What the admin operations (admin-operations.ts and the modules it delegates to by concern) share: the
 * store and handlers, and every store call bounded by the store timeout.
 */
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import type { Store } from '../store/store.js';

export interface AdminOperationsContext {
  readonly store: Store;
  readonly handlers: HandlerRegistry;
  /** A store call bounded by the store timeout (a hung store is a quick 503). */
  call<T>(operation: string, call: Promise<T>): Promise<T>;
  /** An install state read (install-state-read.ts): `what` is read, `outcome` says what was not done when it cannot be. */
  installState<T>(what: string, outcome: string, read: () => Promise<T>): Promise<T>;
  /** Whether a shop has uninstalled the app according to the store now (app mode; false without). */
  uninstalledInStore(shop: string): Promise<boolean>;
  /** Every shop that has uninstalled the app according to the store now (app mode; none without). */
  uninstalledShopsInStore(): Promise<string[]>;
}
