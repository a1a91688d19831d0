/**
 * `srhooks events show` for a job claimed ahead: the worker leased it (the job's status is `running`)
 * while the handler's only slot is busy, so its handler has not been called. It must read `claimed`,
 * with no start time — not `running` since the claim. A real receiver whose forward target holds its
 * answer until the test lets it go.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { adminCli, tempConfigDir, triggerOrders } from '../../test-support/run-cli.js';
import { forwardTo, type Receiver, startTestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'show-claimed-url-secret-0123456789';
const ADMIN_TOKEN = 'show-claimed-token-abcdef0123456789';
let receiver: Receiver;
let base = '';
const held: ServerResponse[] = [];
const target = createServer((request, response) => {
  request.resume();
  request.on('end', () => held.push(response));
});

const { admin, adminJson } = adminCli(config.dir, () => base, ADMIN_TOKEN);

beforeAll(async () => {
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/erp`;
  const started = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme', handlers: ['erp'] }],
    handlers: { erp: { ...forwardTo(targetUrl), concurrency: 1, timeoutMs: 60_000 } },
  });
  ({ receiver, url: base } = started);
  const url = started.deliveryUrl({ shop: 'acme', event: 'order_confirm' });
  await triggerOrders(config.dir, url, ['first', 'second']);
});
afterAll(async () => {
  for (const response of held.splice(0)) response.end('ok');
  await receiver?.close();
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
  config.cleanup();
});

it('shows a job claimed ahead as claimed, without a start time, then running once its handler is called', async () => {
  // one handler call holds the only slot; the other job is claimed ahead of it
  const claimedId = await vi.waitFor(
    async () => {
      expect(held.length).toBe(1);
      const page = await receiver.store.listEvents({});
      for (const summary of page.items) {
        const job = (await receiver.store.getEvent(summary.id))?.jobs[0];
        if (job?.status === 'running' && job.attemptLog.at(-1)?.outcome === 'claimed') return summary.id;
      }
      throw new Error('no job is claimed ahead yet');
    },
    { timeout: 15_000, interval: 100 },
  );

  const json = await adminJson('events', 'show', claimedId);
  expect(json.event.jobs[0].status).toBe('running');
  expect(json.event.jobs[0].attemptLog.at(-1).outcome).toBe('claimed');
  const human = await admin('events', 'show', claimedId);
  expect(human.code).toBe(0);
  const row = human.stdout.split('\n').find((line) => line.startsWith('erp'));
  expect(row).toBeDefined();
  // HANDLER JOB # STARTED OUTCOME: the job reads claimed, and no time stands where STARTED would be
  expect(row).toMatch(/^erp\s+claimed\s+1\s+claimed\s*$/);

  // the first call answers: the claimed job's handler is called, and it reads running with a start time
  held.shift()?.end('ok');
  await vi.waitFor(() => expect(held.length).toBe(1), { timeout: 15_000, interval: 50 });
  const started = await admin('events', 'show', claimedId);
  const startedRow = started.stdout.split('\n').find((line) => line.startsWith('erp'));
  expect(startedRow).toMatch(/^erp\s+running\s+1\s+\S.*\srunning\s*$/);
});
