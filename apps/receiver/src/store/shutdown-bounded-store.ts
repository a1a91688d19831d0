/**
 * The store as the receiver's background work sees it (the job worker, recovery passes): the same store,
 * except that once the receiver's shutdown has begun every call of it gets at most `graceMs` to be
 * answered, counted from the shutdown's start or from the call's, whichever is later. A call not answered
 * by then rejects with StoreShutdownWaitError and `gaveUp` is called (the store then knows its server has
 * gone silent, and its close cuts the connections at once instead of waiting for them again).
 *
 * Why only background work: what it writes is covered by the receiver's guarantees when it is not written
 * (a job outcome: the job runs again once its lease ends; a lease renewal or hand-back: the lease ends by
 * itself; a recovery pass: the watermark stays, the next pass reads the same window again), while a
 * delivery in flight must not be given up (it is answered 200 only once committed, or spooled).
 * The admin API's and the inspector's requests use such a view too (Store.forRequests), and so do app
 * mode's install, entry and session requests: a request cut short is answered 503 (store_unavailable, saying
 * the receiver is stopping), so nothing half-done is reported done. App mode's shop records (a pool of their
 * own) get such views as well, for those requests and for its install steps (Store.shutdownBoundViewOf).
 *
 * Before, such a call waited for the query timeout (10 s by default, as long as the shutdown timeout): a
 * shutdown with a job outcome or a recovery page being written when the link went silent ended in exit 1.
 */
import { type ShutdownBoundCaller, StoreShutdownWaitError } from './store-errors.js';

/**
 * When the shutdown began, and the calls waiting for it (a set of callbacks, not an AbortSignal: thousands
 * of calls in flight would each add a listener to one signal, past Node's leak warning).
 */
export class ShutdownGrace {
  /** How long a call may go unanswered once the shutdown has begun. */
  readonly graceMs: number;
  readonly #gaveUp: () => void;
  #begun = false;
  readonly #waiting = new Set<() => void>();

  /** `gaveUp`: a call was given up (its server did not answer within the grace). */
  constructor(graceMs: number, gaveUp: () => void) {
    this.graceMs = graceMs;
    this.#gaveUp = gaveUp;
  }

  /** The receiver's shutdown has begun: every call in flight, and each one from now on, gets the grace. */
  begin(): void {
    if (this.#begun) return;
    this.#begun = true;
    for (const startGrace of [...this.#waiting]) startGrace();
    this.#waiting.clear();
  }

  /**
   * `work`'s outcome, or StoreShutdownWaitError (saying whose call it was, `caller`) once the shutdown's
   * grace ran out (`work` goes on then).
   */
  bound<T>(work: Promise<T>, caller: ShutdownBoundCaller = 'background work'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const startGrace = (): void => {
        timer = setTimeout(() => {
          this.#gaveUp();
          reject(new StoreShutdownWaitError(this.graceMs, caller));
        }, this.graceMs);
      };
      const settled = (): void => {
        clearTimeout(timer);
        this.#waiting.delete(startGrace);
      };
      if (this.#begun) startGrace();
      else this.#waiting.add(startGrace);
      work.then(
        (value) => {
          settled();
          resolve(value);
        },
        (error: unknown) => {
          settled();
          reject(error);
        },
      );
    });
  }
}

/**
 * `store` whose methods' promises are bounded by `grace` (see the module comment); other members (fields,
 * methods answering at once) are the store's own. Methods run on the store itself (its private fields).
 * `caller` names whose calls they are in the error (its message: a request's says the receiver is stopping).
 * `except`: methods left unbounded (their promise covers more than the store's work: a lock held while the
 * caller's own work runs, which a grace given up would take for a silent server).
 */
export function boundedAfterShutdown<S extends object>(
  store: S,
  grace: ShutdownGrace,
  caller: ShutdownBoundCaller = 'background work',
  except: readonly (keyof S)[] = [],
): S {
  const wrappers = new Map<PropertyKey, unknown>();
  const unbounded = new Set<PropertyKey>(except);
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (unbounded.has(property)) return value.bind(target);
      let wrapper = wrappers.get(property);
      if (wrapper === undefined) {
        wrapper = (...args: unknown[]): unknown => {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? grace.bound(result, caller) : result;
        };
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}
