/**
 * The handler author's edit loop. The receiver imports a module handler's file once; after the file
 * is edited it still runs the version it loaded — retries and replays too — until it is restarted.
 * The QA fixed a throwing handler, ran `srhooks dead-letters retry`, and the old code failed again
 * with nothing saying why. Now the first job after the edit logs a warning naming the file and saying
 * to restart the receiver.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleOrder } from '@srhooks/contracts';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ShopClients } from '../shop-clients.js';
import { claimedOrderJob, tempDir } from '../test-support/processing-fixtures.js';
import { createModuleHandler } from './module.js';

const tmp = tempDir('module-changed');
afterAll(() => tmp.cleanup());

function capture() {
  const lines: Array<{ level: number; code?: string; msg: string; path?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { lines, logger };
}

describe('a module handler file edited after it was loaded', () => {
  it('keeps running the loaded version and warns once that the receiver needs a restart', async () => {
    const path = join(tmp.dir, 'erp.mjs');
    writeFileSync(path, "export default { order_confirm: async () => { throw new Error('ERP v1'); } };\n");
    utimesSync(path, new Date('2026-12-01T10:00:00Z'), new Date('2026-12-01T10:00:00Z'));
    const { lines, logger } = capture();
    const run = createModuleHandler({
      name: 'erp',
      path,
      logger,
      clients: new ShopClients([]),
      changeCheckIntervalMs: 0,
    });
    const job = claimedOrderJob(sampleOrder(3), { handler: 'erp' });
    expect((await run(job)).status).toBe('retry');
    expect(lines.filter((line) => line.code === 'module_handler_changed')).toEqual([]);

    writeFileSync(path, 'export default { order_confirm: async () => {} };\n');
    utimesSync(path, new Date('2026-12-01T10:05:00Z'), new Date('2026-12-01T10:05:00Z'));
    const again = await run(job);
    expect(again).toMatchObject({ status: 'retry', error: expect.stringContaining('ERP v1') });
    await run(job);
    const warnings = lines.filter((line) => line.code === 'module_handler_changed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, path });
    expect(warnings[0]?.msg).toBe(
      `handler module ${path} changed after the receiver loaded it; the receiver still runs the version it loaded (retries and replays too): restart the receiver to run the new one`,
    );
  });
});
