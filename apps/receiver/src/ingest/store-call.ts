/**
 * Every store call on a request path is bounded in time: a store that hangs (network
 * partition, locked file) must turn into a quick 503, never a hanging request.
 */
import { StoreUnavailableError } from '../store/store.js';

/**
 * Resolves/rejects like `call`, or rejects with StoreUnavailableError after `timeoutMs`. One promise
 * and one timer per call (no race of two promises): it runs once per delivery.
 */
export function withStoreTimeout<T>(operation: string, call: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const detail = `${operation} did not finish within ${timeoutMs} ms`;
      reject(new StoreUnavailableError(detail, { publicDetail: detail }));
    }, timeoutMs);
    call.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
