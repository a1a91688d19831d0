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
import { expect, it } from 'vitest';
import { silentDatabaseReceiver } from './test-support/silent-database-receiver.js';

const SECRET = 'silent-db-claim-secret-0123456789';
const FORWARD_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const db = silentDatabaseReceiver('claim');

it.skipIf(process.platform !== 'linux')(
  'gives up a claim the silent link never answers in one line that promises no retry, and stops cleanly',
  async () => {
    db.writeConfig({
      handlers: {
        fwd: {
          type: 'forward',
          url: 'http://127.0.0.1:9/hook',
          secret: FORWARD_SECRET,
          allowPrivateTargets: true,
        },
      },
      shops: [{ name: 'demo', handlers: ['fwd'] }],
    });
    const { proc, lines, stopped } = await db.start({
      secret: SECRET,
      env: { SRHOOKS_SHUTDOWN_TIMEOUT_MS: '10000' },
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // the worker claims at each poll (1 s)

    db.proxy.stall();
    // More than one poll interval: a claim has been sent into the silent link and waits for its answer.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    proc.emit('SIGTERM', 'SIGTERM');
    expect(await stopped()).toBe(true);
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    expect(await db.connectionsLeft(), 'connections to PostgreSQL still open').toBe(0);

    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    // Before: "cannot claim jobs (store unavailable?); trying again at the next poll".
    expect(messages.filter((msg) => /trying again/.test(msg))).toEqual([]);
    const givenUp = messages.filter((msg) => msg.startsWith('job claim given up'));
    expect(givenUp).toHaveLength(1);
    expect(givenUp[0]).toMatch(/receiver is stopping.*no claim is retried/);
  },
  60_000,
);
