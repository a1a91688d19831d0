/**
 * Session settings for a pool's connections that cannot travel as startup options (a pooler such as PgBouncer
 * refuses `options` unless told to ignore it): run once per connection, right after it connects and before
 * the pool hands it out, so it never overlaps another query on the connection (node-postgres deprecates
 * that, and a query queued behind it would run first when set up from the pool's 'connect' event).
 */
import type pg from 'pg';

// biome-ignore lint/suspicious/noExplicitAny: a mixin's base constructor must take any arguments
type ClientClass = new (...args: any[]) => pg.Client;

/** `Base` whose `connect()` runs `statement` before it resolves; a failed statement fails the connect. */
export function withSessionSetUp<C extends ClientClass>(Base: C, statement: string): C {
  class SetUpClient extends Base {
    /** node-postgres' connect: a promise, or (as pg-pool calls it) a callback. */
    setUpConnect(
      callback?: (error: Error | null, client?: pg.Client) => void,
    ): Promise<pg.Client> | undefined {
      const connected = (async () => {
        await Base.prototype.connect.call(this);
        await this.query(statement);
        return this as pg.Client;
      })();
      if (!callback) return connected;
      connected.then(
        (client) => callback(null, client),
        (error: Error) => callback(error),
      );
      return undefined;
    }
  }
  // Replaces connect itself (its overloads cannot be re-declared in a subclass).
  Object.defineProperty(SetUpClient.prototype, 'connect', {
    value: SetUpClient.prototype.setUpConnect,
    writable: true,
    configurable: true,
  });
  return SetUpClient;
}
