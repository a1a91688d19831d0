/**
 * A shop (the sandbox, in this process, at ShopRenter's 3 requests/second) and a receiver that can be
 * down and come up later on a fixed port, wired for recovery: shop `demo` with API credentials, the
 * three order events, a `log` handler whose lines the scenario counts (one line per handler run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DeliveryFormat, signDeliveryPath, type WebhookEvent } from '@srhooks/contracts';
import {
  DEMO_CLIENT,
  freePort,
  processSigningKeyPem,
  type RunningSandbox,
  startSandbox,
} from '@srhooks/sandbox';
import type { FastifyInstance } from 'fastify';
import { buildReceiver } from '../../app.js';
import type { ReceiverConfigInput } from '../../config/config-schema.js';

/** One entry of the config's `shops`, before defaults. */
type ShopConfigInput = NonNullable<ReceiverConfigInput['shops']>[number];

import { defineReceiverConfig } from '../../config/load-config.js';
import type { RecoveryPluginOptions } from '../recovery-plugin.js';

export const SHOP = 'demo';
export const SECRET = 'recovery-secret-0123456789abcdef';
export const ADMIN_TOKEN = 'recovery-admin-token-0123456789';
export const ORDER_EVENTS: readonly WebhookEvent[] = [
  'order_confirm',
  'order_status_change',
  'abandoned_cart',
];

export { freePort };

export interface RecoveryScenario {
  sandbox: RunningSandbox;
  port: number;
  /** Handler runs seen so far (one per `log` line), by event id. */
  runs: Map<string, number>;
  receiver: FastifyInstance | null;
  /** The receiver's pino lines so far (JSON, at its `logLevel`: warn unless overridden). */
  logLines: string[];
  /**
   * Subscribes the shop's order events to the receiver's signed URLs (on `port`, up or not), with
   * `delay` as the subscriptions' `webHookDelay` (default none).
   */
  subscribe(
    events?: readonly WebhookEvent[],
    format?: DeliveryFormat,
    delay?: { delay: number; delayUnit: 'day' | 'hour' },
  ): Promise<void>;
  /**
   * The shop's entry in the receiver's config: API credentials for the sandbox, the order events, the
   * `log` handler — with `settings` over it (e.g. `{ events: [] }` to recover from the API's
   * subscriptions). `startReceiver` uses it unless `overrides.shops` is given.
   */
  shop(settings?: Partial<ShopConfigInput>): ShopConfigInput;
  /** `recovery`: the plugin's options (default: the schedule on, the default client). */
  startReceiver(
    overrides?: Partial<ReceiverConfigInput>,
    recovery?: RecoveryPluginOptions,
  ): Promise<FastifyInstance>;
  stopReceiver(): Promise<void>;
  close(): Promise<void>;
}

export async function startRecoveryScenario(
  /**
   * `timeScale`: the sandbox's (86400 = a day of `webHookDelay` in a second); `clockOffsetSeconds`: the
   * shop's clock against this machine's (negative: behind).
   */
  options: { rateLimit?: number | false; timeScale?: number; clockOffsetSeconds?: number } = {},
): Promise<RecoveryScenario> {
  const sandbox = await startSandbox({
    logger: false,
    signingKeyPem: processSigningKeyPem(),
    rateLimit: options.rateLimit === false ? false : { perSecond: options.rateLimit ?? 3 },
    ...(options.timeScale ? { timeScale: options.timeScale } : {}),
    ...(options.clockOffsetSeconds ? { clockOffsetSeconds: options.clockOffsetSeconds } : {}),
  });
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-recovery-e2e-'));
  const runs = new Map<string, number>();
  const logLines: string[] = [];
  const scenario: RecoveryScenario = {
    sandbox,
    port,
    runs,
    receiver: null,
    logLines,
    shop(settings = {}) {
      return {
        name: SHOP,
        clientId: DEMO_CLIENT.clientId,
        clientSecret: DEMO_CLIENT.clientSecret,
        apiUrl: sandbox.apiUrlTemplate.replace('{shop}', SHOP),
        tokenUrl: sandbox.tokenUrlTemplate.replace('{shop}', SHOP),
        events: [...ORDER_EVENTS],
        handlers: ['log'],
        ...settings,
      };
    },
    async subscribe(events = ORDER_EVENTS, format = 'json', delay) {
      for (const event of events) {
        const url = `http://127.0.0.1:${port}${signDeliveryPath({ shop: SHOP, event }, SECRET)}`;
        const res = await fetch(`${sandbox.url}/${SHOP}/api/webHooks`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${await token(sandbox)}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify({
            event,
            status: '1',
            label: `srhooks ${event}`,
            webHookParameters: [{ type: format, url }],
            ...(delay ? { webHookDelay: [{ delay: String(delay.delay), delayUnit: delay.delayUnit }] } : {}),
          }),
        });
        if (res.status >= 300)
          throw new Error(`subscribing ${event} failed: ${res.status} ${await res.text()}`);
      }
      // These calls bypass the receiver's request window: let the shop's one-second window empty.
      await new Promise((resolve) => setTimeout(resolve, 1100));
    },
    async startReceiver(overrides = {}, recovery = { schedule: true }) {
      const config = defineReceiverConfig({
        secrets: [SECRET],
        adminToken: ADMIN_TOKEN,
        adminMaxFailures: 0,
        db: join(dir, 'srhooks.db'),
        port,
        host: '127.0.0.1',
        // As the shop reaches it: `subscribe` registers the signed URLs under it.
        publicUrl: `http://127.0.0.1:${port}`,
        logLevel: 'warn',
        recoveryIntervalMinutes: 0,
        shops: [scenario.shop()],
        handlers: { log: { type: 'log' } },
        ...overrides,
      });
      const app = await buildReceiver(config, {
        defaultMetrics: false,
        processing: {
          pollIntervalMs: 50,
          logWrite: (line: string) => {
            const { eventId } = JSON.parse(line) as { eventId: string };
            runs.set(eventId, (runs.get(eventId) ?? 0) + 1);
          },
        },
        recovery,
        logDestination: { write: (line: string) => void logLines.push(line) },
      });
      await app.listen({ port, host: '127.0.0.1' });
      scenario.receiver = app;
      return app;
    },
    async stopReceiver() {
      await scenario.receiver?.close();
      scenario.receiver = null;
    },
    async close() {
      await scenario.stopReceiver();
      sandbox.app.server.closeAllConnections();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return scenario;
}

async function token(sandbox: RunningSandbox): Promise<string> {
  const res = await fetch(sandbox.tokenUrlTemplate.replace('{shop}', SHOP), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: DEMO_CLIENT.clientId,
      client_secret: DEMO_CLIENT.clientSecret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
