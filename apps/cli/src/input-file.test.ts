/**
 * Every file a CLI option names (`trigger --data`, `webhooks sync -f`, and the sandbox's, see
 * sandbox-flags.test.ts) is read by one helper: a directory or a missing file is a usage error naming
 * the option and the file in words, as the sandbox says it, never Node's errno (`EISDIR`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from './test-support/run-cli.js';

const config = tempConfigDir();
const directory = join(config.dir, 'd.json');
const missing = join(config.dir, 'missing.json');
mkdirSync(directory, { recursive: true });

afterAll(() => config.cleanup());

describe('a file option given a directory or a missing file', () => {
  it.each([
    [
      ['trigger', 'order_confirm', '--to', 'http://127.0.0.1:1/x', '--data', directory],
      `--data ${directory} is a directory, not a file`,
      'check the path, or leave --data out to send the built-in sample',
    ],
    [
      ['trigger', 'order_confirm', '--to', 'http://127.0.0.1:1/x', '--data', missing],
      `--data ${missing} does not exist`,
      'check the path, or leave --data out to send the built-in sample',
    ],
    [
      ['webhooks', 'sync', '-f', directory],
      `-f ${directory} is a directory, not a file`,
      'check the path, or pass the config file with -f FILE (format: "webhooks sync" in the CLI command reference, docs/commands.md)',
    ],
    [
      ['webhooks', 'sync', '-f', missing],
      `-f ${missing} does not exist`,
      'check the path, or pass the config file with -f FILE (format: "webhooks sync" in the CLI command reference, docs/commands.md)',
    ],
  ])('srhooks %j: exit 2, in words', async (args, message, hint) => {
    const run = await runCli(config.dir, args);
    expect(run.stderr).toBe(`error: ${message}\n${hint}\n`);
    expect(run.code).toBe(2);
    const json = await runCli(config.dir, [...args, '--json']);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'file_unreadable', exitCode: 2 });
  });
});
