/**
 * A module handler whose file cannot be imported is named in one error line when the worker starts, not
 * first at its first job; the receiver starts anyway (deliveries are still stored: ShopRenter never
 * resends); its jobs retry, and a fixed file is imported again (handlers/module.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestReceiver } from '../test-support/test-receiver.js';
import { tempDir } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';

const tmp = tempDir('handler-start-check');
afterAll(() => tmp.cleanup());

function errorLines(lines: readonly string[]) {
  return lines
    .map(
      (line) =>
        JSON.parse(line) as { level: number; msg: string; handler?: string; code?: string; reason?: string },
    )
    .filter((line) => line.level >= 50);
}

describe('handlers looked at when the worker starts', () => {
  it('logs a module handler whose file is missing, once, naming it; the receiver still runs', async () => {
    const missing = join(tmp.dir, 'not-there.mjs');
    const receiver = await startTestReceiver(
      {
        handlers: { erp: { type: 'module', path: missing } },
        shops: [{ name: 'demo', handlers: ['erp'] }],
      },
      { processing: {} },
    );
    try {
      await waitFor(() => errorLines(receiver.logLines).length > 0, 'the start-up check to log');
      const [line, ...more] = errorLines(receiver.logLines);
      expect(more).toEqual([]);
      expect(line).toMatchObject({ handler: 'erp', code: 'module_handler_invalid' });
      expect(line?.msg).toContain('handler erp cannot run');
      // not "retried until this is fixed": after the retry schedule the jobs are dead letters
      expect(line?.msg).toBe(
        'handler erp cannot run: its jobs are kept and retried on its retry schedule, then dead-lettered; fix this, then replay the dead letters (srhooks dead-letters retry --handler erp)',
      );
      expect(line?.reason).toContain(`Handler module ${missing} does not exist`);
      const ready = await fetch(`${receiver.baseUrl}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      await receiver.close();
    }
  });

  it('logs nothing for a module that loads, and reports a module with no default export', async () => {
    const good = join(tmp.dir, 'good.mjs');
    writeFileSync(good, 'export default { order_confirm: async () => {} };');
    const empty = join(tmp.dir, 'no-default.mjs');
    writeFileSync(empty, 'export const x = 1;');
    const receiver = await startTestReceiver(
      {
        handlers: { good: { type: 'module', path: good }, empty: { type: 'module', path: empty } },
        shops: [{ name: 'demo', handlers: ['good', 'empty'] }],
      },
      { processing: {} },
    );
    try {
      await waitFor(() => errorLines(receiver.logLines).length > 0, 'the start-up check to log');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(errorLines(receiver.logLines).map((line) => [line.handler, line.code])).toEqual([
        ['empty', 'module_handler_invalid'],
      ]);
      expect(errorLines(receiver.logLines)[0]?.reason).toContain('has no default export');
    } finally {
      await receiver.close();
    }
  });
});
