/**
 * The connections a pool has open, known from the moment each is created — a connect in flight
 * included — until its socket closes. pg-pool's 'connect' event names a connection only once it has
 * connected (and its session set-up ran): a connect the server never answered (a link gone silent) was
 * unknown to a store's close, which could neither end nor cut it, and its socket stayed open until the
 * connect timeout, past the shutdown's check that no connection is left.
 */
import type pg from 'pg';

// biome-ignore lint/suspicious/noExplicitAny: a mixin's base constructor must take any arguments
type ClientClass = new (...args: any[]) => pg.Client;

/** `Base` whose every instance is in `open` from its creation until its connection ends. */
export function withOpenTracking<C extends ClientClass>(Base: C, open: Set<pg.Client>): C {
  return class OpenTrackedClient extends Base {
    // biome-ignore lint/suspicious/noExplicitAny: passes the base constructor's arguments on
    constructor(...args: any[]) {
      super(...args);
      open.add(this);
      this.once('end', () => open.delete(this));
    }
  };
}
