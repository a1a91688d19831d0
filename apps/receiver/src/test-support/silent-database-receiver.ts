/**
 * The set-up of the shutdown tests on a link to PostgreSQL gone silent (shutdown-silent-database*.test.ts):
 * a schema of the file's own, a fault proxy in front of the real PostgreSQL (`proxy.stall()` makes the link
 * silent), a temp folder as the receiver's working directory, and `runReceiver` with a fake process whose
 * DATABASE_URL goes through the proxy, its log lines collected. Cleanups registered by the test, the proxy
 * and the folder end in `afterAll`. Call `silentDatabaseReceiver(name)` at the top of a test file.
 * For app mode: `appModeEnv` (its variables), `installAppShop` (a shop installed before the receiver starts)
 * and `unansweredApiUrl` (a shop API nothing listens at).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDeliveryPath } from '@srhooks/contracts';
import { afterAll } from 'vitest';
import { secretFingerprint } from '../app-mode/secret-fingerprint.js';
import { type RunningReceiver, runReceiver } from '../run-receiver.js';
import { PgAppShopStore } from '../store/app-shops/pg-app-shop-store.js';
import { PgStore } from '../store/postgres/pg-store.js';
import { deliveryBody } from './delivery-fixtures.js';
import { FakeProcess } from './fake-process.js';
import { socketsLeftTo } from './open-sockets.js';
import { TEST_DATABASE_URL, testSchemas } from './postgres-schema.js';
import { TcpProxy } from './tcp-proxy.js';

export interface SilentDatabaseReceiver {
  /** The file's own schema (dropped after its tests). */
  readonly schema: string;
  /** The fault proxy between the receiver and PostgreSQL. */
  readonly proxy: TcpProxy;
  /** The receiver's working directory. */
  readonly dir: string;
  /** Run in `afterAll`, the last one added first (errors ignored); before the proxy stops. */
  readonly cleanups: (() => Promise<unknown>)[];
  /** Writes `srhooks.config.json` into `dir`. */
  writeConfig(config: unknown): void;
  /**
   * Starts the proxy and the receiver (`runReceiver`, PORT 0 on 127.0.0.1, LOG_LEVEL info, its store through
   * the proxy in `schema`, `secret` its delivery secret) with `env` added; throws with its stderr when it
   * does not start. Its `app.close()` is a cleanup.
   */
  start(options: { secret: string; env?: Record<string, string> }): Promise<StartedReceiver>;
  /** How many of this process's connections to PostgreSQL (to the proxy) are open after up to 1 s. */
  connectionsLeft(): Promise<number>;
  /**
   * Before `start`: migrates `schema` and records app mode's `shop` installed, its subscriptions signed with
   * `secret` (the receiver's delivery secret); straight to PostgreSQL, not through the proxy.
   */
  installAppShop(shop: string, secret: string): Promise<void>;
}

/** App mode's variables for `start`'s env: app 55, client `silent-db-app` with `clientSecret`. */
export function appModeEnv(clientSecret: string): Record<string, string> {
  return {
    SRHOOKS_PUBLIC_URL: 'http://127.0.0.1:1',
    SRHOOKS_APP_ID: '55',
    SRHOOKS_APP_CLIENT_ID: 'silent-db-app',
    SRHOOKS_APP_CLIENT_SECRET: clientSecret,
  };
}

/** `http://127.0.0.1:<port>` on a local port nothing listens on: a shop API that is never reached. */
export async function unansweredApiUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 1}`;
}

export interface StartedReceiver {
  readonly proc: FakeProcess;
  readonly running: RunningReceiver;
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** The receiver's log lines (JSON), as written. */
  readonly lines: string[];
  /** POSTs a signed order_confirm delivery for `shop` (default `demo`). */
  postDelivery(shop?: string): Promise<Response>;
  /** Waits for the graceful shutdown to end: true if it did within `ms`. */
  stopped(ms?: number): Promise<boolean>;
}

export function silentDatabaseReceiver(name: string): SilentDatabaseReceiver {
  const schema = testSchemas(`srhooks_shut_${name}`)();
  const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  const dir = mkdtempSync(join(tmpdir(), `srhooks-shutdown-silent-${name}-`));
  const cleanups: (() => Promise<unknown>)[] = [];

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await proxy.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    schema,
    proxy,
    dir,
    cleanups,
    connectionsLeft: () => socketsLeftTo(proxy.port),
    async installAppShop(shop, secret) {
      const store = new PgStore({ url: TEST_DATABASE_URL, schema, shareChanges: false });
      try {
        await store.migrate();
      } finally {
        await store.close();
      }
      const shops = new PgAppShopStore({ url: TEST_DATABASE_URL, schema });
      try {
        await shops.recordInstall(shop, { nextAttemptAt: new Date(Date.now() + 3_600_000) });
        await shops.markInstalled(shop, { subscriptions: [], secretFingerprint: secretFingerprint(secret) });
      } finally {
        await shops.close();
      }
    },
    writeConfig(config) {
      writeFileSync(join(dir, 'srhooks.config.json'), JSON.stringify(config));
    },
    async start({ secret, env = {} }) {
      const viaProxy = new URL(TEST_DATABASE_URL);
      viaProxy.port = String(await proxy.start());
      const proc = new FakeProcess(
        {
          PORT: '0',
          HOST: '127.0.0.1',
          SRHOOKS_SECRETS: secret,
          DATABASE_URL: viaProxy.toString(),
          SRHOOKS_DB_SCHEMA: schema,
          LOG_LEVEL: 'info',
          ...env,
        },
        dir,
      );
      const lines: string[] = [];
      const running = await runReceiver(proc, {
        defaultMetrics: false,
        logDestination: { write: (line: string) => void lines.push(line) },
      });
      if (running === null) throw new Error(`the receiver did not start: ${proc.stderrText.join('')}`);
      cleanups.push(() => running.app.close());
      const address = running.app.server.address();
      const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      return {
        proc,
        running,
        baseUrl,
        lines,
        postDelivery(shop = 'demo') {
          const { contentType, body } = deliveryBody('order_confirm');
          return fetch(`${baseUrl}${signDeliveryPath({ shop, event: 'order_confirm' }, secret)}`, {
            method: 'POST',
            headers: { 'content-type': contentType },
            body: new Uint8Array(body),
          });
        },
        stopped: (ms = 20_000) =>
          Promise.race([
            running.stopped.then(() => true),
            new Promise<false>((resolve) => setTimeout(() => resolve(false), ms)),
          ]),
      };
    },
  };
}
