/**
 * Start-up reconcile tried again for a shop it could not reach: the sandbox behind a TCP proxy the test
 * owns is down when the receiver starts (connections refused), then comes back; the shop gets its
 * subscriptions without a restart. A shop whose credentials are refused is not tried again.
 */
import { createShopRenterClient } from '@srhooks/client';
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineReceiverConfig } from '../config/load-config.js';
import { waitFor } from '../processing/test-support/wait-for.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import { OLD_SECRET, TEST_SECRET } from '../test-support/test-receiver.js';
import { ReconcileRetries } from './reconcile-retries.js';
import { reconcileShops } from './reconcile-shops.js';

const PUBLIC_URL = 'https://hooks.example.com/srhooks';

function captureLogger(): { logger: FastifyBaseLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger: logger as FastifyBaseLogger, lines };
}

describe('reconcile tried again', () => {
  let sandbox: RunningSandbox;
  let proxy: TcpProxy;
  const retries: ReconcileRetries[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimit: false });
    proxy = new TcpProxy(Number(new URL(sandbox.url).port));
    await proxy.start();
  });
  afterAll(async () => {
    for (const retry of retries) retry.close();
    await proxy.stop();
    await sandbox.close();
  });

  function configThrough(clientSecret: string) {
    const origin = `http://127.0.0.1:${proxy.port}`;
    return defineReceiverConfig({
      secrets: [TEST_SECRET, OLD_SECRET],
      publicUrl: PUBLIC_URL,
      shops: [
        {
          name: 'demo',
          events: ['order_confirm'],
          reconcile: true,
          clientId: DEMO_CLIENT.clientId,
          clientSecret,
          apiUrl: `${origin}/demo/api`,
          tokenUrl: `${origin}/demo/app/token`,
        },
      ],
    });
  }

  async function subscribed(): Promise<string[]> {
    const client = createShopRenterClient({
      shop: 'demo',
      auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
      apiUrl: sandbox.apiUrlTemplate,
      tokenUrl: sandbox.tokenUrlTemplate,
      rateLimit: false,
    });
    return (await client.webhooks.all()).map((webhook) => webhook.event);
  }

  it('subscribes a shop that could not be reached at start once it answers, without a restart', async () => {
    const config = configThrough(DEMO_CLIENT.clientSecret);
    const { logger, lines } = captureLogger();
    await proxy.stop();
    const results = await reconcileShops(config, { logger });
    expect(results).toEqual([expect.objectContaining({ shop: 'demo', ok: false, retryable: true })]);
    const retry = new ReconcileRetries(config, { logger, delaysMs: [200] });
    retries.push(retry);
    retry.start(results);
    expect(retry.waiting).toEqual(['demo']);
    expect(
      lines.find(
        (line) => line.msg === 'subscriptions will be reconciled again (the shop could not be reached)',
      ),
    ).toMatchObject({
      shop: 'demo',
      retryAt: expect.any(String),
    });
    expect(await subscribed()).toEqual([]);

    await proxy.start();
    await waitFor(
      async () => (await subscribed()).includes('order_confirm'),
      'the retried reconcile to subscribe',
    );
    // The subscription is there before the try that made it ends (and logs): wait for its line.
    await waitFor(
      () => lines.some((line) => line.msg === 'subscriptions reconciled'),
      'the retried reconcile to finish',
    );
    expect(retry.waiting).toEqual([]);
    expect(lines.filter((line) => line.msg === 'subscriptions reconciled')).toEqual([
      expect.objectContaining({ shop: 'demo' }),
    ]);
  });

  it('does not try again a shop whose credentials were refused (it will not pass by itself)', async () => {
    const { logger } = captureLogger();
    const results = await reconcileShops(configThrough('wrong-secret'), { logger });
    expect(results).toEqual([expect.objectContaining({ shop: 'demo', ok: false, retryable: false })]);
    const retry = new ReconcileRetries(configThrough('wrong-secret'), { logger, delaysMs: [200] });
    retries.push(retry);
    retry.start(results);
    expect(retry.waiting).toEqual([]);
  });

  it('stops trying when closed (the receiver stopping)', async () => {
    const config = configThrough(DEMO_CLIENT.clientSecret);
    const { logger, lines } = captureLogger();
    const retry = new ReconcileRetries(config, { logger, delaysMs: [100] });
    retries.push(retry);
    retry.start([{ shop: 'demo', ok: false, error: 'down', retryable: true }]);
    retry.close();
    expect(retry.waiting).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lines.filter((line) => line.msg === 'subscriptions reconciled')).toEqual([]);
  });
});
