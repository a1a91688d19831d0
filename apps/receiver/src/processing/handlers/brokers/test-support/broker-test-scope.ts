/**
 * What every broker handler test sets up and must release: the broker's names of this run, receivers,
 * handlers and fault proxies. `brokerTestScope()` registers one `afterEach` that releases them in
 * reverse order, so a test only says what it needs.
 */
import { afterEach } from 'vitest';
import { TcpProxy } from '../../../../test-support/tcp-proxy.js';
import type { TestReceiver } from '../../../../test-support/test-receiver.js';
import { startBrokerReceiver } from './broker-fixtures.js';

type Release = () => Promise<unknown> | unknown;

export interface BrokerTestScope {
  /** Runs `step` after the test (last registered, first run). */
  defer(step: Release): void;
  /** Releases `thing` after the test (last registered, first released) and returns it. */
  release<T>(thing: T, how: (thing: T) => Promise<unknown> | unknown): T;
  /** A receiver running `handlers` for the broker test shop, closed after the test. */
  receiver(...args: Parameters<typeof startBrokerReceiver>): Promise<TestReceiver>;
  /**
   * A TcpProxy to a broker's port, stopped after the test: forwarding (`'up'`), or refusing
   * connections (`'down'`: the broker is unreachable until the test calls `start()`).
   */
  proxy(brokerPort: number, state: 'up' | 'down'): Promise<TcpProxy>;
}

export function brokerTestScope(): BrokerTestScope {
  const releases: Release[] = [];
  afterEach(async () => {
    for (const release of releases.splice(0).reverse()) await release();
  });
  const release = <T>(thing: T, how: (thing: T) => Promise<unknown> | unknown): T => {
    releases.push(() => how(thing));
    return thing;
  };
  return {
    defer: (step) => {
      releases.push(step);
    },
    release,
    async receiver(...args) {
      return release(await startBrokerReceiver(...args), (receiver) => receiver.close());
    },
    async proxy(brokerPort, state) {
      const proxy = release(new TcpProxy(brokerPort), (created) => created.stop());
      await proxy.start();
      if (state === 'down') await proxy.stop();
      return proxy;
    },
  };
}
