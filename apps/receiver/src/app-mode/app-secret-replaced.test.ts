/**
 * A URL secret REPLACED instead of rotated (docs/operations.md › Rotating secrets): restarted with only a new secret,
 * the receiver knows (from the fingerprint recorded with each installed shop) that the shop's subscriptions
 * carry URLs signed with a secret it no longer has, re-registers them with the new one and says so once.
 * With the documented rotation (`new,old`) it re-registers without that warning; with the secret unchanged
 * it calls no shop's API.
 */
import { signDeliveryPath } from '@srhooks/contracts';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { TEST_SECRET } from '../test-support/test-receiver.js';
import { secretFingerprint } from './secret-fingerprint.js';
import { type AppModeFixture, eventually, startAppModeFixture } from './test-support/app-mode-fixture.js';

const SECRET_B = 'srhooks-replacing-url-secret-fedcba9876543210';

describe('app mode: URL secret replaced or rotated', () => {
  let f: AppModeFixture;
  let restarted: FastifyInstance | undefined;
  let lines: string[];
  beforeEach(async () => {
    f = await startAppModeFixture({ shops: ['alpha'] });
    lines = [];
    await f.sandbox.apps.install('55', 'alpha');
  });
  afterEach(async () => {
    await restarted?.close();
    restarted = undefined;
    await f?.close();
  });

  const hooksOn = () => f.sandbox.sandbox.findShop('alpha')?.data.webhooks ?? [];
  const urlsOn = () => hooksOn().map((hook) => hook.webHookParameters[0]?.url ?? '');
  const signedWith = (secret: string) =>
    (['order_confirm', 'order_status_change'] as const).map(
      (event) => `${f.baseUrl}${signDeliveryPath({ shop: 'alpha', event }, secret)}`,
    );
  const sameUrls = (a: string[], b: string[]) => [...a].sort().join() === [...b].sort().join();
  const logged = (code: string) =>
    lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.code === code);

  /** Stops the running receiver and starts one on the same SQLite file with `secrets`, its log in `lines`. */
  async function restartWith(secrets: string[]): Promise<void> {
    await (restarted ?? f.receiver).close();
    lines = [];
    restarted = await buildReceiver(
      { ...f.config, secrets },
      {
        defaultMetrics: false,
        processing: { logWrite: () => {} },
        logDestination: { write: (line: string) => void lines.push(line) },
      },
    );
    await restarted.listen({ port: f.config.port, host: '127.0.0.1' });
  }

  /**
   * The shop's request count once nothing more arrives for 500 ms: the sandbox counts a request when its
   * answer is sent, so the fixture's install could still add one after the test read the count (seen on
   * a loaded CI machine: 5 against 4).
   */
  async function settledRequestCount(): Promise<number> {
    let count = f.sandbox.requestCount('alpha').total;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = f.sandbox.requestCount('alpha').total;
      if (now === count) return count;
      count = now;
    }
  }

  async function orderIsStored(): Promise<void> {
    await f.sandbox.simulator.placeOrder('alpha', { seed: 7 });
    await f.sandbox.simulator.waitForIdle();
    expect(
      f.sandbox.simulator
        .deliveries('alpha')
        .filter((delivery) => delivery.status !== null)
        .map((delivery) => delivery.status),
    ).toEqual([200]);
  }

  it('restarted with only a new secret: re-registers the shop with it, deliveries are stored, one warning', async () => {
    expect(sameUrls(urlsOn(), signedWith(TEST_SECRET))).toBe(true);

    await restartWith([SECRET_B]);

    await eventually(async () => (sameUrls(urlsOn(), signedWith(SECRET_B)) ? true : undefined));
    await orderIsStored();
    await eventually(async () =>
      (await restarted?.appShops?.get('alpha'))?.status === 'installed' ? true : undefined,
    );
    const warnings = logged('secret_replaced');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, shops: 1 });
    expect(String(warnings[0]?.msg)).toMatch(/404/);
    expect(String(warnings[0]?.msg)).toMatch(/new,old/);
    // No secret, no signed URL in the log.
    expect(lines.join('\n')).not.toContain(SECRET_B);
    expect(lines.join('\n')).not.toContain(TEST_SECRET);
    expect(lines.join('\n')).not.toContain(
      signDeliveryPath({ shop: 'alpha', event: 'order_confirm' }, SECRET_B),
    );

    // Restarted again with B alone: the shop is on B now, nothing more to do and nothing to warn about.
    const requests = await settledRequestCount();
    await restartWith([SECRET_B]);
    await eventually(async () => (logged('app_secret_check').length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(logged('app_secret_check')[0]).toMatchObject({ reRegister: 0 });
    expect(logged('secret_replaced')).toEqual([]);
    expect(f.sandbox.requestCount('alpha').total).toBe(requests);
  });

  it('rotated (new,old): re-registers with the new secret, no secret_replaced warning', async () => {
    await restartWith([SECRET_B, TEST_SECRET]);

    await eventually(async () => (sameUrls(urlsOn(), signedWith(SECRET_B)) ? true : undefined));
    await orderIsStored();
    await eventually(async () => (logged('app_secret_check').length > 0 ? true : undefined));
    expect(logged('app_secret_check')[0]).toMatchObject({ reRegister: 1 });
    expect(logged('secret_replaced')).toEqual([]);
  });

  it('restarted with the same secret: no webhook API call at all', async () => {
    const ids = hooksOn().map((hook) => hook.id);
    const requests = await settledRequestCount();

    await restartWith([TEST_SECRET]);

    await eventually(async () => (logged('app_secret_check').length > 0 ? true : undefined));
    await orderIsStored();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(logged('app_secret_check')[0]).toMatchObject({ reRegister: 0 });
    expect(hooksOn().map((hook) => hook.id)).toEqual(ids);
    expect(f.sandbox.requestCount('alpha').total).toBe(requests);
    expect(logged('secret_replaced')).toEqual([]);
  });

  it('a shop installed before fingerprints were kept: left alone with one secret, re-registered with several', async () => {
    await f.receiver.close();
    // What migration 13 leaves for a shop installed before it: no fingerprint.
    const db = new Database(f.config.db as string);
    db.prepare('UPDATE app_shops SET secret_fingerprint = NULL').run();
    db.close();
    const requests = await settledRequestCount();

    await restartWith([SECRET_B]);
    await eventually(async () => (logged('app_secret_check').length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(logged('app_secret_check')[0]).toMatchObject({ reRegister: 0, unknown: 1 });
    expect(logged('secret_replaced')).toEqual([]);
    expect(f.sandbox.requestCount('alpha').total).toBe(requests);
    expect(sameUrls(urlsOn(), signedWith(TEST_SECRET))).toBe(true);

    await restartWith([SECRET_B, TEST_SECRET]);
    await eventually(async () => (sameUrls(urlsOn(), signedWith(SECRET_B)) ? true : undefined));
    await eventually(async () =>
      (await restarted?.appShops?.get('alpha'))?.secretFingerprint?.split(':')[0] ===
      secretFingerprint(SECRET_B)
        ? true
        : undefined,
    );
    expect(logged('secret_replaced')).toEqual([]);
  });
});
