import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signDeliveryUrl } from '@srhooks/contracts';
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, seenOutput, tempConfigDir } from '../../test-support/run-cli.js';
import { loginArgs, startTestSandbox } from '../../test-support/test-sandbox.js';

// The "Rotating secrets" procedure of the receiver's docs/operations.md, step by step, against the
// sandbox: sync with the new secret first, then find and remove the subscriptions that still use the
// old one.

let sandbox: RunningSandbox;
const config = tempConfigDir();
const OLD = 'rotation-old-secret-0123456789abcdef';
const NEW = 'rotation-new-secret-0123456789abcdef';
const PUBLIC_URL = 'https://hooks.example.com';
const CRM = 'https://crm.example.com/hook';
const urlWith = (secret: string) =>
  signDeliveryUrl(PUBLIC_URL, { shop: 'acme', event: 'order_confirm' }, secret);

let file = '';
const sync = (secrets: string, ...args: string[]) =>
  runCli(config.dir, ['webhooks', 'sync', '-f', file, ...args], { env: { SRHOOKS_SECRETS: secrets } });
const list = (secrets: string | undefined, ...args: string[]) =>
  runCli(
    config.dir,
    ['webhooks', 'list', ...args],
    secrets === undefined ? {} : { env: { SRHOOKS_SECRETS: secrets } },
  );
const urls = async () =>
  JSON.parse((await list(undefined, '--json')).stdout).webhooks.map(
    (w: { webHookParameters: { url: string }[] }) => w.webHookParameters[0]?.url,
  );

beforeAll(async () => {
  sandbox = await startTestSandbox();
  file = join(config.dir, '..', 'srhooks.config.json');
  writeFileSync(
    file,
    JSON.stringify({ publicUrl: PUBLIC_URL, shops: [{ name: 'acme', events: ['order_confirm'] }] }),
  );
  const login = await runCli(config.dir, loginArgs(sandbox, 'acme'));
  if (login.code !== 0) throw new Error(login.stderr);
  // Someone else's subscription: never flagged as this receiver's.
  const crm = await runCli(config.dir, ['webhooks', 'create', '--event', 'order_confirm', '--url', CRM]);
  if (crm.code !== 0) throw new Error(crm.stderr);
});
afterAll(async () => {
  await sandbox.close();
  config.cleanup();
});

describe('rotating the receiver secret with webhooks sync', () => {
  it('1. before: one subscription signed with the only secret', async () => {
    const run = await sync(OLD);
    expect(run.code).toBe(0);
    expect(await urls()).toEqual([CRM, urlWith(OLD)]);
  });

  it('2. new secret first: sync creates the new URL and flags the old-secret one, saying how to remove it', async () => {
    const run = await sync(`${NEW},${OLD}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\+ create {2}order_confirm/);
    expect(run.stdout).toMatch(
      / {2}# keep {4}order_confirm\s+https:\/\/hooks\.example\.com\/hooks\/acme\/order_confirm\/\S{4}… \(\S+\)\n {14}this receiver's URL signed with an old secret, not in the config: the shop still delivers every order_confirm to it; --prune deletes it\n/,
    );
    // The CRM subscription is kept quietly as before.
    expect(run.stdout).toMatch(
      /# keep {4}order_confirm\s+https:\/\/crm\.example\.com\/hook \(\S+\)\n {14}not in the config; --prune deletes it\n/,
    );
    expect(run.stderr).toContain(
      `warning: acme has 1 subscription to this receiver (${PUBLIC_URL}/hooks/acme/…) that ${file} does not list`,
    );
    expect(run.stderr).toContain(`srhooks webhooks sync -f ${file} --prune`);
    expect(await urls()).toEqual([CRM, urlWith(OLD), urlWith(NEW)]);
  });

  it('3. webhooks list tells which secret signed each URL, without printing tokens', async () => {
    const run = await list(`${NEW},${OLD}`);
    expect(run.code).toBe(0);
    const rows = run.stdout.split('\n');
    expect(rows[0]).toMatch(/\bSECRET\b/);
    const row = (needle: string) => rows.find((line) => line.includes(needle)) ?? '';
    const prefix = `${PUBLIC_URL}/hooks/acme/order_confirm/`;
    const oldRow = row(`${prefix}${urlWith(OLD).slice(prefix.length, prefix.length + 4)}…`);
    const newRow = row(`${prefix}${urlWith(NEW).slice(prefix.length, prefix.length + 4)}…`);
    expect(oldRow).toMatch(/\bold\b/);
    expect(newRow).toMatch(/\bcurrent\b/);
    expect(row('crm.example.com')).toMatch(/\s-\s*$/);
    expect(run.stdout).not.toContain(urlWith(OLD));
    expect(run.stdout).not.toContain(urlWith(NEW));
    // Only the new secret: the old URL verifies against none of them.
    const after = await list(NEW);
    expect(after.stdout.split('\n').find((line) => line.includes(oldRow.split(/\s+/)[0] ?? '?'))).toMatch(
      /\bnone\b/,
    );
    const json = JSON.parse((await list(`${NEW},${OLD}`, '--json')).stdout);
    const idOf = (url: string) =>
      json.webhooks.find(
        (w: { id: string; webHookParameters: { url: string }[] }) => w.webHookParameters[0]?.url === url,
      )?.id;
    expect(json.signedWith).toEqual({ [idOf(urlWith(OLD))]: 'old', [idOf(urlWith(NEW))]: 'current' });
    // Without SRHOOKS_SECRETS there is nothing to check against: no column.
    expect((await list(undefined)).stdout.split('\n')[0]).not.toMatch(/SECRET/);
  });

  it('a SRHOOKS_SECRETS entry too short to be a receiver\'s is refused by list and sync, as listen and url refuse it (they read it as "none")', async () => {
    for (const run of [await list(`${NEW},short`), await sync(`${NEW},short`, '--dry-run')]) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        "error: SRHOOKS_SECRETS entry 2 is too short (5 characters; at least 16)\nevery secret in SRHOOKS_SECRETS must be the receiver's, e.g. `openssl rand -hex 32`\n",
      );
    }
  });

  it('4. old secret dropped: sync is not "in sync" while the old URL is subscribed', async () => {
    const run = await sync(NEW);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('in sync: nothing to do');
    expect(run.stdout).toContain(
      "this receiver's URL signed with none of SRHOOKS_SECRETS (the receiver answers 404), not in the config",
    );
    expect(run.stdout).toContain(
      `! 1 subscription to this receiver is not in the config: run srhooks webhooks sync -f ${file} --prune`,
    );
    const json = JSON.parse((await sync(NEW, '--json')).stdout).shops[0];
    expect(json.inSync).toBe(false);
    expect(json.receiverExtras).toBe(1);
    expect(json.lines.find((line: { signedWith?: string }) => line.signedWith === 'none')).toMatchObject({
      action: 'keep',
      receiverUrl: true,
      url: urlWith(OLD),
    });
  });

  it('5. --prune removes it (and the CRM one the file does not list); then in sync', async () => {
    const run = await sync(NEW, '--prune');
    expect(run.code).toBe(0);
    expect(await urls()).toEqual([urlWith(NEW)]);
    const again = await sync(NEW);
    expect(again.stdout).toContain('✔ in sync: nothing to do');
    expect(again.stderr).not.toContain('warning');
  });

  it('never printed a secret', () => {
    for (const text of seenOutput) {
      expect(text).not.toContain(OLD);
      expect(text).not.toContain(NEW);
    }
  });
});
