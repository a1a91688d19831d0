import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { loginArgs, startTestSandbox } from '../../test-support/test-sandbox.js';

// Found by integrator QA: a subscription created a second time by hand (same event and url, here a
// CRM's URL, not the receiver's) makes the shop deliver every such event twice, yet sync said
// "✔ in sync: nothing to do" and exited 0 without a word about it.

const config = tempConfigDir();
const CRM = 'https://crm.example.com/hook';
let file = '';
let stop: (() => Promise<void>) | undefined;
const env = { SRHOOKS_SECRETS: 'sync-duplicates-secret-0123456789' };
const cli = (...args: string[]) => runCli(config.dir, args, { env });

beforeAll(async () => {
  const sandbox = await startTestSandbox();
  stop = () => sandbox.close();
  file = join(config.dir, '..', 'duplicates.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      publicUrl: 'https://hooks.example.com',
      shops: [{ name: 'acme', webhooks: [{ event: 'newsletter_subscribe', url: CRM, label: 'crm' }] }],
    }),
  );
  const login = await runCli(config.dir, loginArgs(sandbox, 'acme'));
  if (login.code !== 0) throw new Error(login.stderr);
});
afterAll(async () => {
  await stop?.();
  config.cleanup();
});

describe('srhooks webhooks sync with a duplicate made by hand', () => {
  it('does not call the shop in sync while a duplicate delivers every event twice', async () => {
    expect((await cli('webhooks', 'sync', '-f', file)).code).toBe(0);
    const copy = await cli(
      ...['webhooks', 'create', '--shop', 'acme', '--event', 'newsletter_subscribe', '--url', CRM],
      ...['--label', 'crm', '--allow-duplicate', '--json'],
    );
    expect(copy.code).toBe(0);
    const id = JSON.parse(copy.stdout).webhook.id as string;

    const run = await cli('webhooks', 'sync', '-f', file);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('in sync');
    expect(run.stdout).toContain(
      `! 1 duplicate subscription: the shop delivers each such event twice; run srhooks webhooks sync -f ${file} --prune to delete it`,
    );
    expect(run.stderr).toContain('warning: acme has 1 duplicate subscription');
    const json = JSON.parse((await cli('webhooks', 'sync', '-f', file, '--json')).stdout);
    expect(json.shops[0]).toMatchObject({ inSync: false, duplicates: 1 });

    // disabled, the copy delivers nothing: kept as a duplicate, but the shop is in sync
    expect((await cli('webhooks', 'disable', '--shop', 'acme', id)).code).toBe(0);
    const disabled = await cli('webhooks', 'sync', '-f', file);
    expect(disabled.stdout).toContain('duplicate of another subscription; --prune deletes it');
    expect(disabled.stdout).toContain('✔ in sync: nothing to do');
    expect(disabled.stderr).not.toContain('duplicate subscription');

    const prune = await cli('webhooks', 'sync', '-f', file, '--prune');
    expect(prune.code).toBe(0);
    expect(prune.stdout).toContain(`- delete  newsletter_subscribe  ${CRM} (${id})`);
    const again = await cli('webhooks', 'sync', '-f', file);
    expect(again.stdout).toContain('✔ in sync: nothing to do');
  });
});
