/**
 * A ShopRenter client whose credential and scope failures (TokenError, AuthError) say what the caller
 * advises instead of the client's own words. The client advises a per-shop (private) API client —
 * "Settings > API Settings" — which is wrong for a shop that installed the platform app: there the
 * credentials and scopes are the app's (app-mode/install-failure.ts). Only the message changes (V8 writes
 * the stack's first line from it when the stack is first read): the error keeps its class, code and
 * fields (status, requiredScope), so handlers, `isNonRetryableError` and the worker classify it as before.
 *
 * Covers everything a caller can get an error from: rejected calls, errors thrown while iterating
 * (`iterate`, `iterateSearch`), and the errors a call returns inside its result (batch results, the
 * steps of a sync report).
 */
import { AuthError, type ShopRenterClient, TokenError } from '@srhooks/client';

/** The message for a credentials or scope failure; null keeps the client's. */
export type FailureAdvice = (error: TokenError | AuthError) => string | null;

function adviseError(error: unknown, advice: FailureAdvice): unknown {
  if (!(error instanceof TokenError || error instanceof AuthError)) return error;
  const message = advice(error);
  if (message !== null) error.message = message;
  return error;
}

/** Errors returned inside results: `BatchResult[]` items' and a `SyncReport`'s steps' `error`. */
function adviseResult(value: unknown, advice: FailureAdvice): unknown {
  const items = Array.isArray(value)
    ? value
    : value !== null && typeof value === 'object' && Array.isArray((value as { steps?: unknown }).steps)
      ? (value as { steps: unknown[] }).steps
      : [];
  for (const item of items) {
    if (item !== null && typeof item === 'object' && 'error' in item) adviseError(item.error, advice);
  }
  return value;
}

function isAsyncIterator(value: unknown): value is AsyncIterableIterator<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    Symbol.asyncIterator in value &&
    typeof (value as { next?: unknown }).next === 'function'
  );
}

async function* adviseIteration(iterator: AsyncIterableIterator<unknown>, advice: FailureAdvice) {
  try {
    return yield* iterator;
  } catch (error) {
    throw adviseError(error, advice);
  }
}

function adviseReturn(value: unknown, advice: FailureAdvice): unknown {
  if (value instanceof Promise) {
    return value.then(
      (resolved) => adviseResult(resolved, advice),
      (error: unknown) => {
        throw adviseError(error, advice);
      },
    );
  }
  if (isAsyncIterator(value)) return adviseIteration(value, advice);
  return value;
}

function adviseObject<T extends object>(target: T, advice: FailureAdvice, seen: WeakMap<object, object>): T {
  const existing = seen.get(target);
  if (existing) return existing as T;
  const proxy = new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key);
      if (typeof value === 'function') {
        return (...args: unknown[]) => {
          try {
            return adviseReturn(Reflect.apply(value, object, args), advice);
          } catch (error) {
            throw adviseError(error, advice);
          }
        };
      }
      if (value !== null && typeof value === 'object') return adviseObject(value, advice, seen);
      return value;
    },
  });
  seen.set(target, proxy);
  return proxy;
}

/** `client`, its credential and scope failures in `advice`'s words. */
export function withFailureAdvice(client: ShopRenterClient, advice: FailureAdvice): ShopRenterClient {
  return adviseObject(client, advice, new WeakMap());
}
