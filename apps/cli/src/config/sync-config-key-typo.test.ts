/**
 * `webhooks sync -f FILE` with a misspelt top-level `shops` key (`"shop"`, `"Shops"`, `"shosp"`) names the
 * key given and the one meant, as a misspelt event does (sync-config-event-typo.test.ts), instead of
 * saying "shops is missing" of a file that plainly lists shops. Nothing is read or sent.
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

describe('webhooks sync: a misspelt top-level key in the file', () => {
  it.each(['shop', 'Shops', 'shosp'])('"%s": names it and the key meant', async (key) => {
    const file = configFile(`${key}.json`, {
      publicUrl: 'https://hooks.example.com',
      [key]: [{ name: 'acme', events: ['order_confirm'] }],
    });
    const run = await runCli(config.dir, ['webhooks', 'sync', '-f', file, '--dry-run', '--json']);
    expect(run.code).toBe(2);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe('config_invalid');
    expect(error.message).toBe(`${file}: unknown key "${key}" and no "shops"`);
    expect(error.hint).toBe(
      'did you mean "shops"? the file lists its shops under "shops": [{"name": "my-shop", "webhooks": […]}]; nothing was changed',
    );
  });

  it('a file without shops and no near key still says shops is missing', async () => {
    const file = configFile('none.json', { publicUrl: 'https://hooks.example.com', host: '0.0.0.0' });
    const run = await runCli(config.dir, ['webhooks', 'sync', '-f', file, '--dry-run', '--json']);
    expect(run.code).toBe(2);
    const { error } = JSON.parse(run.stdout);
    expect(error.message).toBe(
      `${file}: shops is missing (a list of shops: [{"name": "my-shop", "webhooks": […]}])`,
    );
    expect(error.hint).not.toContain('did you mean');
  });
});
