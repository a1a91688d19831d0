/**
 * `webhooks sync --help` shows an example config file and calls it `srhooks.config.json`: the one
 * file the CLI's sync and the receiver both read. The example, taken out of the help text, must be
 * accepted by both — the CLI's config reader and the receiver's own config loader.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@srhooks/receiver';
import { afterAll, describe, expect, it } from 'vitest';
import { desiredState, readSyncConfig } from '../../config/sync-config.js';
import { CLI_PATH } from '../../test-support/run-cli.js';

const SECRET = 'help-example-secret-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'srhooks-sync-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The JSON under "Config file:" in `srhooks webhooks sync --help`, up to the prose after it. */
function helpExample(): string {
  const help = execFileSync(process.execPath, [CLI_PATH, 'webhooks', 'sync', '--help'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, NO_COLOR: '1' },
  });
  expect(help).toContain('srhooks.config.json');
  const after = help.split('\nConfig file:\n')[1] ?? '';
  const lines = after.split('\n');
  const end = lines.findIndex((line) => /^ {2}[A-Za-z]/.test(line));
  return lines.slice(0, end < 0 ? undefined : end).join('\n');
}

describe('the config file example of webhooks sync --help', () => {
  const text = helpExample();
  const file = join(dir, 'srhooks.config.json');
  writeFileSync(file, text);

  it('is JSON', () => {
    expect(() => JSON.parse(text)).not.toThrow();
  });

  it("is read by the CLI's sync, every webhook given a URL", async () => {
    const config = await readSyncConfig(file);
    const shops = desiredState(config, { SRHOOKS_SECRETS: SECRET }, file);
    expect(shops.map((shop) => shop.shop)).toEqual(['my-shop']);
    const urls = shops[0]?.webhooks.map((webhook) => webhook.url) ?? [];
    expect(urls.length).toBeGreaterThan(0);
    expect(urls[0]).toMatch(/^https:\/\/hooks\.example\.com\/hooks\/my-shop\/order_confirm\//);
  });

  it("is accepted by the receiver's config loader as its srhooks.config.json", () => {
    const config = loadConfig({ env: { SRHOOKS_SECRETS: SECRET }, cwd: dir });
    expect(config.publicUrl).toBe('https://hooks.example.com');
    expect(config.shops.map((shop) => shop.name)).toEqual(['my-shop']);
    expect(config.shops[0]?.webhooks.map((webhook) => webhook.event)).toEqual(
      JSON.parse(text).shops[0].webhooks.map((webhook: { event: string }) => webhook.event),
    );
  });
});
