/**
 * The commands a message tells the user to run are written the way the CLI was started: a clone runs
 * it as `npm run srhooks -- …` (the root README) and has no `srhooks` on its PATH, so the fix line of
 * an error and the hints of a result name `npm run srhooks -- login …` there, and `srhooks login …`
 * from the installed bin. JSON stays as it is.
 */
import { describe, expect, it } from 'vitest';
import { CLI_PATH, runCli, tempConfigDir } from './test-support/run-cli.js';

const config = tempConfigDir();

describe('commands named in messages', () => {
  it('from the checkout (node apps/cli/dist/cli.js): the fix line and a result hint say npm run srhooks --', async () => {
    const error = await runCli(config.dir, ['webhooks', 'list', '--shop', 'acme'], { script: CLI_PATH });
    expect(error.code).not.toBe(0);
    expect(error.stderr).toContain('run npm run srhooks -- login --shop acme --client-id');
    expect(error.stderr).not.toMatch(/(?<!run )srhooks login/);

    const shops = await runCli(config.dir, ['shops'], { script: CLI_PATH });
    expect(shops.stdout + shops.stderr).toContain('run npm run srhooks -- login --shop NAME');
  });

  it('through the npm script (npm run srhooks -- …, npm_lifecycle_event=srhooks) likewise', async () => {
    const error = await runCli(config.dir, ['webhooks', 'list', '--shop', 'acme'], {
      env: { npm_lifecycle_event: 'srhooks' },
    });
    expect(error.stderr).toContain('run npm run srhooks -- login --shop acme');
  });

  it('from the installed srhooks bin: srhooks login; under --json the error document is unchanged', async () => {
    const error = await runCli(config.dir, ['webhooks', 'list', '--shop', 'acme']);
    expect(error.stderr).toContain('run srhooks login --shop acme --client-id');
    const json = await runCli(config.dir, ['webhooks', 'list', '--shop', 'acme', '--json'], {
      script: CLI_PATH,
    });
    const document = JSON.parse(json.stdout) as { error: { hint?: string } };
    expect(document.error.hint).toContain('run srhooks login --shop acme');
  });
});
