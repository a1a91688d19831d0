// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is literal config text (an environment reference) in these tests
/**
 * A `forward` handler's `secret` and `url` may come from the environment (`${ERP_SECRET}`, an API key
 * in the query as `?apikey=${ERP_KEY}`), as broker credentials do: srhooks.config.json can be committed
 * without them. A real receiver posting to a real target on 127.0.0.1; an unset variable, or one that
 * holds no secret, stops the start before the store is opened, naming the key (never the value).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeDelivery, sampleOrder, signDeliveryPath } from '@srhooks/contracts';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReceiver } from '../../app.js';
import { ConfigError } from '../../config/config-error.js';
import type { ReceiverConfigInput } from '../../config/config-schema.js';
import { defineReceiverConfig } from '../../config/load-config.js';
import { startTestReceiver, TEST_SECRET, type TestReceiver } from '../../test-support/test-receiver.js';
import type { ProcessingConfigError } from '../processing-errors.js';
import { waitFor } from '../test-support/wait-for.js';
import { type RunningTarget, startTarget } from '../test-support/webhook-target.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('forward handler: secret and url from the environment', () => {
  it('signs with the secret the variable holds and posts to the URL with the key filled in; neither is logged', async () => {
    const target: RunningTarget = await startTarget(() => ({ status: 204 }));
    cleanups.push(() => target.close());
    const receiver: TestReceiver = await startTestReceiver(
      {
        shops: [{ name: 'demo', handlers: ['erp'] }],
        handlers: {
          erp: {
            type: 'forward',
            url: `${target.url}/hooks?apikey=\${ERP_KEY}`,
            secret: '${ERP_SECRET}',
            allowPrivateTargets: true,
          },
        },
      },
      { processing: { pollIntervalMs: 100, env: { ERP_SECRET: secret, ERP_KEY: 'k3y-from-env' } } },
    );
    cleanups.push(() => receiver.close());
    const { contentType, body } = encodeDelivery(
      'order_confirm',
      { orders: { order: [sampleOrder(31)] } },
      { format: 'json' },
    );
    const path = signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, TEST_SECRET);
    const answer = await fetch(`${receiver.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    });
    expect(answer.status).toBe(200);
    const request = await waitFor(() => target.requests[0], 'the forwarded POST');
    expect(request.path).toBe('/hooks?apikey=k3y-from-env');
    expect(new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).toMatchObject(
      {
        type: 'shoprenter.order_confirm',
      },
    );
    const log = receiver.logLines.join('');
    expect(log).not.toContain(secret.slice('whsec_'.length));
    expect(log).not.toContain('k3y-from-env');
  });

  it('takes the whole URL from a variable (`"url": "${ERP_URL}"`), its key kept out of the log', async () => {
    const target: RunningTarget = await startTarget(() => ({ status: 204 }));
    cleanups.push(() => target.close());
    const receiver: TestReceiver = await startTestReceiver(
      {
        shops: [{ name: 'demo', handlers: ['erp'] }],
        handlers: { erp: { type: 'forward', url: '${ERP_URL}', secret, allowPrivateTargets: true } },
      },
      { processing: { pollIntervalMs: 100, env: { ERP_URL: `${target.url}/whole?apikey=wh0le-k3y` } } },
    );
    cleanups.push(() => receiver.close());
    const { contentType, body } = encodeDelivery(
      'order_confirm',
      { orders: { order: [sampleOrder(32)] } },
      { format: 'json' },
    );
    const path = signDeliveryPath({ shop: 'demo', event: 'order_confirm' }, TEST_SECRET);
    const answer = await fetch(`${receiver.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    });
    expect(answer.status).toBe(200);
    const request = await waitFor(() => target.requests[0], 'the forwarded POST');
    expect(request.path).toBe('/whole?apikey=wh0le-k3y');
    expect(receiver.logLines.join('')).not.toContain('wh0le-k3y');
  });
});

/** buildReceiver on a fresh SQLite path; expects the refusal `message` before the store is opened. */
async function expectRefused(
  handler: Record<string, unknown>,
  env: Record<string, string>,
  message: string,
  refusal: typeof ProcessingConfigError | typeof ConfigError = ConfigError,
) {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-forward-env-'));
  try {
    const db = join(dir, 'receiver.db');
    const config = defineReceiverConfig({
      secrets: ['test-secret-0123456789abcdef'],
      db,
      logLevel: 'silent',
      handlers: { erp: handler } as unknown as ReceiverConfigInput['handlers'],
    });
    const started = buildReceiver(config, { defaultMetrics: false, processing: { env } });
    await expect(started).rejects.toBeInstanceOf(refusal);
    await expect(started).rejects.toThrow(message);
    expect(existsSync(db)).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('forward handler: an environment reference that does not hold', () => {
  it('an unset variable stops the start, naming the key and the variable', async () => {
    await expectRefused(
      { type: 'forward', url: 'https://erp.example.com/hooks', secret: '${ERP_SECRET}' },
      {},
      '  - handlers.erp.secret: refers to ${ERP_SECRET}, but the environment variable ERP_SECRET is not set',
      ConfigError,
    );
  });

  it('a variable that holds no Standard Webhooks secret stops the start without quoting it', async () => {
    await expectRefused(
      { type: 'forward', url: 'https://erp.example.com/hooks', secret: '${ERP_SECRET}' },
      { ERP_SECRET: 'plain-password-123' },
      'handlers.erp.secret: ${ERP_SECRET}: the variable holds no Standard Webhooks secret',
    );
  });

  it('a whole URL from a variable that is no http(s) URL stops the start without quoting it', async () => {
    await expectRefused(
      { type: 'forward', url: '${ERP_URL}', secret },
      { ERP_URL: 'erp.example.com/hooks?apikey=s3cret' },
      'handlers.erp.url: ${ERP_URL}: is not an http(s) URL once its environment variables are filled in',
    );
  });

  it('a URL that is no http(s) URL once filled in stops the start', async () => {
    await expectRefused(
      { type: 'forward', url: 'https://${ERP_HOST}/hooks', secret },
      { ERP_HOST: 'bad host name' },
      'handlers.erp.url: https://${ERP_HOST}/hooks: is not an http(s) URL once its environment variables are filled in',
    );
  });
});
