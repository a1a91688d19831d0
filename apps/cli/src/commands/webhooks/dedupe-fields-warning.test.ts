/**
 * A subscription whose `fields` leave out what the dedupe key reads gets a warning from `webhooks create`,
 * `update` and `sync` (the receiver would record genuine events as duplicates and never handle them);
 * the subscription is still made as asked. Against the real sandbox over HTTP.
 */
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { writeSyncFile } from '../../test-support/sync-file.js';
import { loginArgs, startTestSandbox } from '../../test-support/test-sandbox.js';

let sandbox: RunningSandbox;
const config = tempConfigDir();
const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(config.dir, args, { timeoutMs: 30_000, env });
const url = (n: number) => `https://hooks.example.com/status-${n}`;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  const login = await cli(loginArgs(sandbox, 'acme'));
  if (login.code !== 0) throw new Error(login.stderr);
});
afterAll(async () => {
  await sandbox.close();
  config.cleanup();
});

describe('srhooks webhooks create/update/sync: fields the dedupe key needs', () => {
  it('create warns on stderr and still creates; a full selection is created without a warning', async () => {
    const partial = await cli([
      'webhooks',
      'create',
      '--event',
      'order_status_change',
      '--url',
      url(1),
      '--fields',
      'order_innerId,orderHistory_status',
      '--json',
    ]);
    expect(partial.code).toBe(0);
    expect(JSON.parse(partial.stdout).webhook.id).toBeTruthy();
    expect(partial.stderr).toContain(
      'warning: acme order_status_change: the selected fields leave out orderHistory_dateAdded',
    );

    const full = await cli([
      'webhooks',
      'create',
      '--event',
      'order_status_change',
      '--url',
      url(2),
      '--fields',
      'order_innerId,orderHistory_status,orderHistory_dateAdded',
    ]);
    expect(full.code).toBe(0);
    expect(full.stderr).not.toContain('warning');
  });

  it('update warns when its new fields leave them out', async () => {
    const created = await cli(['webhooks', 'create', '--event', 'order_confirm', '--url', url(3), '--json']);
    const id = JSON.parse(created.stdout).webhook.id as string;
    const run = await cli(['webhooks', 'update', id, '--fields', 'order_email,order_total']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `warning: webhook ${id} (order_confirm): the selected fields leave out order_innerId`,
    );
  });

  it('sync warns for each entry of the file that leaves them out, naming the entry', async () => {
    const file = writeSyncFile(config, 'dedupe-fields.config.json', [
      { event: 'order_confirm', url: url(4) },
      { event: 'order_status_change', url: url(5), fields: ['order_innerId', 'orderHistory_status'] },
    ]);
    const run = await cli(['webhooks', 'sync', '-f', file, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `warning: ${file}: shops[0].webhooks[1] (order_status_change): the selected fields leave out orderHistory_dateAdded`,
    );
    expect(run.stderr).not.toContain('webhooks[0]');
  });

  it('sync with a field the event does not have: refused first, no warning about a selection it refuses', async () => {
    const file = writeSyncFile(config, 'bogus-field.config.json', [
      { event: 'order_confirm', url: url(6), fields: ['order_bogus'] },
    ]);
    const run = await cli(['webhooks', 'sync', '-f', file, '--dry-run']);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain('warning');
    expect(run.stderr).toMatch(/^error: .*order_bogus.* not available for event order_confirm\n/);
    expect(run.stderr).toContain(
      'srhooks fields order_confirm lists the fields you can select; fix the file',
    );
  });
});
