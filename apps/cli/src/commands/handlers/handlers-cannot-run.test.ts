/**
 * `srhooks handlers list` shows a handler the receiver cannot run (a module file that does not import)
 * as "cannot run" with the reason and what to do — it said "enabled", the problem only in the
 * receiver's start-up log line.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli, tempConfigDir } from '../../test-support/run-cli.js';
import { type Receiver, startTestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'cannot-run-admin-token-0123456789abcdef';
const missing = join(config.dir, 'billing.mjs');
let receiver: Receiver;
let base = '';

const { admin, adminJson } = adminCli(config.dir, () => base, ADMIN_TOKEN);

beforeAll(async () => {
  ({ receiver, url: base } = await startTestReceiver(config.dir, {
    secrets: ['cannot-run-url-secret-0123456789abcdef'],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme', handlers: ['billing'] }],
    handlers: { billing: { type: 'module', path: missing } },
  }));
});
afterAll(async () => {
  await receiver.close();
  config.cleanup();
});

describe('srhooks handlers list: a handler the receiver cannot run', () => {
  it('says "cannot run" with the reason and the fix, not "enabled"', async () => {
    await expect
      .poll(async () => (await adminJson('handlers', 'list')).items[0]?.problem?.code, { timeout: 15_000 })
      .toBe('module_handler_invalid');
    const table = await admin('handlers', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /^billing\s+module\s+cannot run since \d{4}-\d\d-\d\d \S+Z\s+Handler module /m,
    );
    expect(table.stdout).toContain(`${missing} does not exist`);
    expect(table.stdout).not.toMatch(/^billing\s+module\s+enabled/m);
    expect(table.stdout).toContain(
      'a handler that cannot run keeps its jobs: they retry, then are dead letters; fix it, then srhooks dead-letters retry --handler billing',
    );
  });
});
