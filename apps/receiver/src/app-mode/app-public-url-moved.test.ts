/**
 * App mode, the receiver moved to another public URL (`publicUrl`) with the URL secret rotated at the same
 * restart (docs/operations.md › Rotating secrets): every installed shop is re-registered under the new
 * `publicUrl`, and the subscriptions its install step had registered under the old one are deleted —
 * before, the install step counted as its own only the subscriptions under the current `publicUrl`, so
 * the old ones stayed on the shop and it delivered every event to both. A new `publicUrl` alone (the same
 * secrets) re-registers too: the base is fingerprinted with the secret (before, nothing was re-registered
 * and the shops kept delivering to the old base). Real receiver and sandbox over HTTP.
 */
import { signDeliveryPath } from '@srhooks/contracts';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { TEST_SECRET } from '../test-support/test-receiver.js';
import { baseFingerprint, secretFingerprint } from './secret-fingerprint.js';
import { type AppModeFixture, eventually, startAppModeFixture } from './test-support/app-mode-fixture.js';

const NEW_SECRET = 'srhooks-moved-url-secret-0123456789abcdef';

describe('app mode: a new publicUrl with the URL secret rotated', () => {
  let f: AppModeFixture;
  let restarted: FastifyInstance | undefined;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha'] });
  });
  afterAll(async () => {
    await restarted?.close();
    await f?.close();
  });

  const urlsOn = (shop: string) =>
    (f.sandbox.sandbox.findShop(shop)?.data.webhooks ?? []).map((hook) => hook.webHookParameters[0]?.url);
  const signedWith = (base: string, shop: string, secret: string) =>
    (['order_confirm', 'order_status_change'] as const)
      .map((event) => `${base}${signDeliveryPath({ shop, event }, secret)}`)
      .sort();

  it('re-registers the installed shop under the new publicUrl and deletes its subscriptions under the old one', async () => {
    await f.sandbox.apps.install('55', 'alpha');
    expect(urlsOn('alpha').sort()).toEqual(signedWith(f.baseUrl, 'alpha', TEST_SECRET));

    // Moved: another host name for the same receiver (as a new domain in front of it), a new secret first.
    const moved = f.baseUrl.replace('127.0.0.1', 'localhost');
    expect(moved).not.toBe(f.baseUrl);
    await f.receiver.close();
    restarted = await buildReceiver(
      { ...f.config, publicUrl: moved, secrets: [NEW_SECRET, TEST_SECRET] },
      { defaultMetrics: false, processing: { logWrite: () => {} }, logDestination: { write: () => {} } },
    );
    await restarted.listen({ port: f.config.port, host: '127.0.0.1' });
    const receiver = restarted;

    // The re-registration has run once the shop's record says the newest secret signed its URLs.
    await eventually(async () => {
      const record = await receiver.appShops?.get('alpha');
      return record?.secretFingerprint === secretFingerprint(NEW_SECRET) &&
        record.subscriptions.every((s) => s.baseFingerprint === baseFingerprint(NEW_SECRET, moved))
        ? true
        : undefined;
    });
    expect(urlsOn('alpha').sort()).toEqual(signedWith(moved, 'alpha', NEW_SECRET));
    const record = await receiver.appShops?.get('alpha');
    expect(record?.subscriptions.map((s) => s.event).sort()).toEqual([
      'order_confirm',
      'order_status_change',
    ]);
  });

  it('a new publicUrl alone (the same secrets): the shop is re-registered under it all the same', async () => {
    // Back to the first host name, the secrets as they are: the recorded base tells the URLs are elsewhere.
    await restarted?.close();
    const lines: Array<Record<string, unknown>> = [];
    restarted = await buildReceiver(
      { ...f.config, publicUrl: f.baseUrl, secrets: [NEW_SECRET, TEST_SECRET] },
      {
        defaultMetrics: false,
        processing: { logWrite: () => {} },
        logDestination: { write: (line: string) => void lines.push(JSON.parse(line)) },
      },
    );
    await restarted.listen({ port: f.config.port, host: '127.0.0.1' });
    const receiver = restarted;
    await eventually(async () => {
      const record = await receiver.appShops?.get('alpha');
      return record?.secretFingerprint === secretFingerprint(NEW_SECRET) &&
        record.subscriptions.every((s) => s.baseFingerprint === baseFingerprint(NEW_SECRET, f.baseUrl))
        ? true
        : undefined;
    });
    expect(urlsOn('alpha').sort()).toEqual(signedWith(f.baseUrl, 'alpha', NEW_SECRET));
    expect(lines.find((line) => line.code === 'app_secret_check')).toMatchObject({ reRegister: 1, moved: 1 });
  });
});
