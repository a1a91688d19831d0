/**
 * `webhooks sync -f FILE` with a receiver config in app mode (an `app` block, no shops): a platform app's
 * developer's own srhooks.config.json. Said in those words — the receiver subscribes the installed shops
 * itself at install, so there is nothing to sync — not "shops is missing … fix the file" of a file that is
 * right. Exit 2, nothing read or sent; a file with `app` and shops syncs those shops as always.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

function configFile(name: string, content: object): string {
  const file = join(config.dir, '..', name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const APP = {
  appId: '55',
  clientId: 'my-app',
  events: ['order_confirm', 'order_status_change'],
  handlers: ['print'],
};

describe('webhooks sync: a config file of a receiver in app mode', () => {
  it.each([
    ['without shops', {}],
    ['with an empty shops list', { shops: [] }],
  ])(
    '%s: says the receiver subscribes installed shops itself (exit 2, code app_mode_config)',
    async (name, extra) => {
      const file = configFile(`app-${name.replace(/ /g, '-')}.json`, {
        publicUrl: 'https://hooks.example.com',
        handlers: { print: { type: 'log' } },
        app: APP,
        ...extra,
      });
      const run = await runCli(config.dir, ['webhooks', 'sync', '-f', file, '--dry-run', '--json']);
      expect(run.code).toBe(2);
      const { error } = JSON.parse(run.stdout);
      expect(error.code).toBe('app_mode_config');
      expect(error.message).toBe(
        `${file} configures a platform app ("app") and lists no shops: webhooks sync subscribes the shops under "shops" with their own API credentials; the shops that install the app are subscribed by the receiver itself, at install, to app.events / app.webhooks`,
      );
      expect(error.message).not.toContain('shops is missing');
      expect(error.hint).toContain('srhooks shops --receiver URL');
      expect(run.stderr).not.toMatch(/at \S+:\d+:\d+/);
    },
  );

  it('with shops too: those shops are read as always (the file passes; sync then asks for the URL secret)', async () => {
    const file = configFile('app-and-shops.json', {
      publicUrl: 'https://hooks.example.com',
      app: APP,
      shops: [{ name: 'own-client', events: ['order_confirm'] }],
    });
    const run = await runCli(config.dir, ['webhooks', 'sync', '-f', file, '--dry-run', '--json']);
    expect(run.code).toBe(2);
    // past the file: the next thing sync needs (the URL secret), not a refusal of the file
    expect(JSON.parse(run.stdout).error.code).toBe('no_secret');
  });
});
