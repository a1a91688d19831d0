/**
 * Shutdown (SIGTERM) while the job worker's claim waits on a link to PostgreSQL gone silent (a NAT or
 * firewall dropping the flow: no answer, no error, no close). The claim is given up 2 s into the shutdown
 * (the store's close grace, Store.forBackgroundWork); before, the worker then logged "cannot claim jobs
 * (store unavailable?); trying again at the next poll" — a retry that never comes, the worker is stopping.
 * Now one accurate line: the claim was given up because the receiver is stopping, nothing is retried, and
 * jobs it may have taken run elsewhere once their leases end. The shutdown still ends cleanly.
 *
 * runReceiver with a fake process; PostgreSQL through a fault proxy this test owns (`stall`); a forward
 * handler (never reached: no delivery) so that the worker claims at each poll. Real PostgreSQL, a schema
 * of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runReceiver } from './run-receiver.js';
import { FakeProcess } from './test-support/fake-process.js';
import { socketsLeftTo } from './test-support/open-sockets.js';
import { TEST_DATABASE_URL, testSchemas } from './test-support/postgres-schema.js';
import { TcpProxy } from './test-support/tcp-proxy.js';

const SECRET = 'silent-db-claim-secret-0123456789';
const FORWARD_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const schema = testSchemas('srhooks_shut_claim')();
const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
const dir = mkdtempSync(join(tmpdir(), 'srhooks-shutdown-silent-claim-'));
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await proxy.stop();
  rmSync(dir, { recursive: true, force: true });
});

it.skipIf(process.platform !== 'linux')(
  'gives up a claim the silent link never answers in one line that promises no retry, and stops cleanly',
  async () => {
    writeFileSync(
      join(dir, 'srhooks.config.json'),
      JSON.stringify({
        handlers: {
          fwd: {
            type: 'forward',
            url: 'http://127.0.0.1:9/hook',
            secret: FORWARD_SECRET,
            allowPrivateTargets: true,
          },
        },
        shops: [{ name: 'demo', handlers: ['fwd'] }],
      }),
    );
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.port = String(await proxy.start());
    const proc = new FakeProcess(
      {
        PORT: '0',
        HOST: '127.0.0.1',
        SRHOOKS_SECRETS: SECRET,
        DATABASE_URL: viaProxy.toString(),
        SRHOOKS_DB_SCHEMA: schema,
        SRHOOKS_SHUTDOWN_TIMEOUT_MS: '10000',
        LOG_LEVEL: 'info',
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
    await new Promise((resolve) => setTimeout(resolve, 500)); // the worker claims at each poll (1 s)

    proxy.stall();
    // More than one poll interval: a claim has been sent into the silent link and waits for its answer.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    proc.emit('SIGTERM', 'SIGTERM');
    const stopped = await Promise.race([
      running.stopped.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 20_000)),
    ]);
    expect(stopped).toBe(true);
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    expect(await socketsLeftTo(proxy.port), 'connections to PostgreSQL still open').toBe(0);

    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    // Before: "cannot claim jobs (store unavailable?); trying again at the next poll".
    expect(messages.filter((msg) => /trying again/.test(msg))).toEqual([]);
    const givenUp = messages.filter((msg) => msg.startsWith('job claim given up'));
    expect(givenUp).toHaveLength(1);
    expect(givenUp[0]).toMatch(/receiver is stopping.*no claim is retried/);
  },
  60_000,
);
