/**
 * Damaged spool files moved aside (`unreadable/`) seen from a real receiver (SQLite, a spool folder
 * left with two of them): one warning at start naming the count and the folder, the count in /readyz's
 * spool details and in the `srhooks_spool_unreadable_files` gauge, and the files kept through drain
 * rounds and shutdown (they may be the only copy of an acknowledged delivery).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../store/sortable-id.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { UNREADABLE_DIR } from './spool-reader.js';

let dir: string;
const receivers: TestReceiver[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-spool-unreadable-'));
});
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<TestReceiver> {
  const receiver = await startTestReceiver(
    { db: join(dir, 'srhooks.db'), spoolDir: join(dir, 'spool') },
    { spool: { retryMs: 50, maxRetryMs: 100 } },
  );
  receivers.push(receiver);
  return receiver;
}

describe('damaged spool files in unreadable/', () => {
  it('are reported at start, in /readyz and in a gauge, and never deleted', async () => {
    const aside = join(dir, 'spool', UNREADABLE_DIR);
    mkdirSync(aside, { recursive: true });
    const names = [1, 2].map((n) => `${newId('dlv', Date.now() - n * 1000)}.delivery`);
    for (const name of names) writeFileSync(join(aside, name), 'srhooks-spool 1\n{"deliveryId":');

    const receiver = await start();
    const warnings = receiver.logLines
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((line) => line.msg.includes('damaged files'));
    expect(warnings).toEqual([
      expect.objectContaining({ level: 40, msg: `2 damaged files in ${aside}: see docs/operations.md` }),
    ]);
    const ready = (await (await fetch(`${receiver.baseUrl}/readyz`)).json()) as { spool: object };
    expect(ready.spool).toEqual({ deliveries: 0, bytes: 0, unreadableFiles: 2, unreadableBytes: 60 });
    const metrics = await (await fetch(`${receiver.baseUrl}/metrics`)).text();
    expect(metrics).toContain('srhooks_spool_unreadable_files 2');

    // closing waits for the drain round the start began: it counted them and left them
    await receiver.close();
    receivers.splice(0);
    expect(readdirSync(aside).sort()).toEqual([...names].sort());
  });
});
