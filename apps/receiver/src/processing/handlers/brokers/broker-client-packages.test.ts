/**
 * A configured broker handler whose client package cannot be resolved stops the start (before the store
 * is opened), naming the handler, the package and what to do; a receiver without broker handlers
 * resolves none of them. Resolution is real: Node's resolver, asked for a name no installed package has
 * (under pnpm, NODE_PATH makes every client resolvable from any directory, so that is the way to miss one).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../../../app.js';
import type { ReceiverConfigInput } from '../../../config/config-schema.js';
import { defineReceiverConfig } from '../../../config/load-config.js';
import {
  BROKER_CLIENT_PACKAGES,
  BrokerClientMissingError,
  checkBrokerClientPackages,
} from './broker-client-packages.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-broker-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nodeResolve = createRequire(import.meta.url).resolve;
/** Node's own resolution of a name beside the asked one, which no package has: the client is missing. */
const notInstalled = (id: string) => nodeResolve(`${id}-not-installed`);

function config(handlers: Record<string, unknown>, db: string) {
  return defineReceiverConfig({
    secrets: ['test-secret-0123456789abcdef'],
    db,
    logLevel: 'silent',
    handlers: handlers as unknown as ReceiverConfigInput['handlers'],
  });
}

describe('broker client packages at start-up', () => {
  it('refuses an amqp handler whose client cannot be resolved, before the store is opened', async () => {
    const db = join(dir, 'missing-amqplib.db');
    const started = buildReceiver(
      config({ orders: { type: 'amqp', url: 'amqp://127.0.0.1', exchange: 'x' } }, db),
      { defaultMetrics: false, processing: { resolvePackage: notInstalled } },
    );
    await expect(started).rejects.toBeInstanceOf(BrokerClientMissingError);
    await expect(started).rejects.toMatchObject({
      code: 'broker_client_missing',
      handler: 'orders',
      packageName: 'amqplib',
      message:
        'handlers.orders: the amqp handler "orders" needs the package amqplib, which cannot be found where ' +
        'the receiver runs; install it (npm install amqplib, or pnpm add amqplib, next to the receiver) or ' +
        'remove the handler, then start again',
    });
    expect(existsSync(db)).toBe(false);
  });

  it('names the first missing package of a nats handler and of a redis-stream handler', () => {
    expect(() =>
      checkBrokerClientPackages(
        { bus: { type: 'nats', servers: 'nats://127.0.0.1:4222' } } as never,
        notInstalled,
      ),
    ).toThrow(expect.objectContaining({ handler: 'bus', packageName: '@nats-io/transport-node' }));
    expect(() =>
      checkBrokerClientPackages(
        { cache: { type: 'redis-stream', url: 'redis://127.0.0.1' } } as never,
        notInstalled,
      ),
    ).toThrow(expect.objectContaining({ handler: 'cache', packageName: 'ioredis' }));
  });

  it('with the real resolver: an installed client passes, a package name that does not exist is refused', () => {
    const handlers = {
      bus: { type: 'nats', servers: 'nats://127.0.0.1:4222' },
      orders: { type: 'amqp', url: 'amqp://127.0.0.1', exchange: 'x' },
      cache: { type: 'redis-stream', url: 'redis://127.0.0.1' },
    } as never;
    expect(() => checkBrokerClientPackages(handlers)).not.toThrow();
    expect(() =>
      checkBrokerClientPackages(handlers, undefined, {
        ...BROKER_CLIENT_PACKAGES,
        'redis-stream': ['srhooks-no-such-redis-client'],
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'broker_client_missing',
        handler: 'cache',
        packageName: 'srhooks-no-such-redis-client',
      }),
    );
  });

  it('a receiver without broker handlers resolves no client package', async () => {
    const module = join(dir, 'erp.mjs');
    writeFileSync(module, 'export default {};');
    const asked: string[] = [];
    const app = await buildReceiver(
      config({ erp: { type: 'module', path: module }, audit: { type: 'log' } }, join(dir, 'no-brokers.db')),
      {
        defaultMetrics: false,
        processing: {
          resolvePackage: (id) => {
            asked.push(id);
            return notInstalled(id);
          },
        },
      },
    );
    await app.close();
    expect(asked).toEqual([]);
  });

  it('a receiver with a broker handler starts when its client resolves', async () => {
    const asked: string[] = [];
    const app = await buildReceiver(
      config({ orders: { type: 'amqp', url: 'amqp://127.0.0.1', exchange: 'x' } }, join(dir, 'amqp.db')),
      {
        defaultMetrics: false,
        processing: {
          resolvePackage: (id) => {
            asked.push(id);
            return nodeResolve(id);
          },
        },
      },
    );
    await app.close();
    expect(asked).toEqual(['amqplib']);
  });
});
