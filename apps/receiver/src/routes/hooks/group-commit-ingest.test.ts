/**
 * Group commit seen through HTTP: 500 deliveries posted at once are all acknowledged, all
 * stored, and share far fewer SQLite transactions (one fsync each) than there are deliveries.
 * The senders run in a child process, as real senders are remote: a client in the receiver's
 * own process could not send anything while a commit holds the event loop.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeDelivery, sampleOrder } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

const DELIVERIES = 500;

/** Posts every request of the JSON file at once; prints [{status, body}] in request order. */
const SENDER = `
const { readFileSync } = await import('node:fs');
const requests = JSON.parse(readFileSync(process.argv[1], 'utf8'));
const answers = await Promise.all(requests.map(async ({ url, contentType, body }) => {
  const response = await fetch(url, { method: 'POST', body: Buffer.from(body, 'base64'), headers: { 'content-type': contentType } });
  return { status: response.status, body: await response.text() };
}));
process.stdout.write(JSON.stringify(answers));
`;

async function postFromChildProcess(
  requests: { url: string; contentType: string; body: Buffer }[],
): Promise<{ status: number; body: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-senders-'));
  try {
    const file = join(dir, 'requests.json');
    writeFileSync(
      file,
      JSON.stringify(requests.map((request) => ({ ...request, body: request.body.toString('base64') }))),
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', SENDER, file],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return JSON.parse(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('concurrent deliveries on SQLite', () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startTestReceiver({ logLevel: 'warn' });
  });
  afterAll(async () => {
    await receiver.close();
  });

  it(`acknowledges ${DELIVERIES} concurrent deliveries only once stored, in far fewer commits`, async () => {
    const path = receiver.path('demo', 'order_confirm');
    const before = receiver.app.store.stats();
    const bodies = Array.from({ length: DELIVERIES }, (_, index) =>
      encodeDelivery(
        'order_confirm',
        // sample innerIds may repeat across seeds; these must be distinct orders
        { orders: { order: [{ ...sampleOrder(`concurrent-${index}`), innerId: String(500_000 + index) }] } },
        { format: 'json' },
      ),
    );
    const sent = await postFromChildProcess(
      bodies.map(({ body, contentType }) => ({ url: receiver.baseUrl + path, contentType, body })),
    );
    const answers = sent.map((answer) => ({
      status: answer.status,
      json: JSON.parse(answer.body) as { deliveryId: string; events: number },
    }));
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    const stats = receiver.app.store.stats();
    const commits = stats.commits - before.commits;
    expect(stats.items - before.items).toBe(DELIVERIES);
    expect(commits).toBeGreaterThan(0);
    expect(commits, `${commits} commits for ${DELIVERIES} deliveries`).toBeLessThanOrEqual(DELIVERIES / 2);

    const stored = await receiver.app.store.listDeliveries({ limit: 500 });
    expect(new Set(stored.items.map((delivery) => delivery.id))).toEqual(
      new Set(answers.map((answer) => answer.json.deliveryId)),
    );
    const events = await receiver.app.store.listEvents({ limit: 500 });
    expect(events.items.filter((event) => event.duplicateOf === null)).toHaveLength(DELIVERIES);
  });
});
