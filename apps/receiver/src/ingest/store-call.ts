/**
 * Every store call on a request path is bounded in time: a store that hangs (network
 * partition, locked file) must turn into a quick 503, never a hanging request.
 */
import { StoreUnavailableError } from '../store/store.js';

/** Resolves/rejects like `call`, or rejects with StoreUnavailableError after `timeoutMs`. */
export function withStoreTimeout<T>(operation: string, call: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new StoreUnavailableError(`${operation} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}
