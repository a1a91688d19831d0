/**
 * `GET /admin/api/shops` says how each config shop's start-up reconcile ended on this receiver: a shop
 * whose subscriptions could not be made (refused credentials: not tried again; the shop's API not
 * answering: tried again, with when) is listed with the reason, so the shops list no longer shows its
 * configured events as if the shop were subscribed. The real receiver (runReceiver, SQLite in a temporary
 * folder) against the sandbox over HTTP, one shop behind a TCP proxy the test owns, stopped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningReceiver, runReceiver } from '../run-receiver.js';
import { FakeProcess } from '../test-support/fake-process.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import { TEST_SECRET } from '../test-support/test-receiver.js';

const ADMIN_TOKEN = 'reconcile-status-admin-token-0123456789';

describe('the shops list says how each shop’s start-up reconcile ended', () => {
  let sandbox: RunningSandbox;
  let proxy: TcpProxy;
  let dir: string;
  let running: RunningReceiver | null = null;
  let proc: FakeProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'srhooks-reconcile-status-'));
    sandbox = await startSandbox({ rateLimit: false });
    proxy = new TcpProxy(Number(new URL(sandbox.url).port));
    await proxy.start();
    const away = `http://127.0.0.1:${proxy.port}`;
    await proxy.stop(); // the shop's API does not answer while the receiver starts
    const shop = (name: string, clientSecret: string, origin: string) => ({
      name,
      events: ['order_confirm'],
      reconcile: true,
      recovery: false,
      clientId: DEMO_CLIENT.clientId,
      clientSecret,
      apiUrl: `${origin}/demo/api`,
      tokenUrl: `${origin}/demo/app/token`,
    });
    const configFile = join(dir, 'srhooks.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        publicUrl: 'https://hooks.example.com',
        shops: [
          shop('demo', DEMO_CLIENT.clientSecret, sandbox.url),
          shop('locked', 'not-the-client-secret', sandbox.url),
          shop('away', DEMO_CLIENT.clientSecret, away),
          { name: 'plain', events: ['order_confirm'], recovery: false },
        ],
      }),
    );
    proc = new FakeProcess(
      {
        SRHOOKS_SECRETS: TEST_SECRET,
        SRHOOKS_CONFIG: configFile,
        SRHOOKS_DB: join(dir, 'srhooks.db'),
        SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
      },
      dir,
    );
    // runReceiver returns once the start-up reconcile has run
    running = await runReceiver(proc, { processing: { enabled: false } });
  });
  afterAll(async () => {
    if (running) {
      proc.emit('SIGTERM', 'SIGTERM');
      await running.stopped;
    }
    await proxy?.stop();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ok, refused (not tried again) and unreachable (tried again at …); none for a shop without reconcile', async () => {
    if (!running) throw new Error('receiver did not start');
    const address = running.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const response = await fetch(`http://127.0.0.1:${port}/admin/api/shops`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    const items = (await response.json()).items as Array<{ name: string; reconcile: unknown }>;
    const reconcile = (name: string) => items.find((item) => item.name === name)?.reconcile;

    expect(reconcile('demo')).toEqual({ ok: true, at: expect.any(String), error: null, nextAttemptAt: null });
    expect(reconcile('locked')).toEqual({
      ok: false,
      at: expect.any(String),
      // where this receiver takes the credentials from, and that it needs a restart
      error: expect.stringMatching(
        /refused the client credentials for shop "locked".*this receiver sends the shops\[1\]\.clientId \/ clientSecret of its config: correct them there and restart it \(a refused reconcile is not tried again\)/,
      ),
      nextAttemptAt: null,
    });
    expect(reconcile('away')).toEqual({
      ok: false,
      at: expect.any(String),
      error: expect.stringContaining('could not reach'),
      nextAttemptAt: expect.any(String),
    });
    expect(reconcile('plain')).toBeNull();
    // the secret is never part of a reason
    expect(JSON.stringify(items)).not.toContain('not-the-client-secret');
    expect(JSON.stringify(items)).not.toContain(DEMO_CLIENT.clientSecret);
  });
});
