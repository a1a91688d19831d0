/**
 * `--handler` given a name no handler can have, through this config directory's running `srhooks
 * listen`: refused naming the flag and the value, what a handler name looks like, and listen's handlers
 * as listen names them (after its flags) — never the receiver's "a handler name from
 * srhooks.config.json", a file listen's user never wrote. A real `srhooks listen` (port 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
let listen: RunningCli;

beforeAll(async () => {
  listen = startCli(config.dir, ['listen', '--port', '0', '--shop', 'demo', '--json']);
  await listen.waitForLine(/"type":"listening"/);
});
afterAll(async () => {
  await listen.interrupt();
  config.cleanup();
});

const MESSAGE =
  '--handler "bad!name" is not a handler name: a handler name is 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit (as console, erp or crm.v2)';
const HINT =
  'its handlers: console (srhooks listen names its handler after its flags: console by default, forward with --forward-to, none with --no-console); srhooks handlers list shows them';

describe('an invalid --handler name through srhooks listen', () => {
  it.each([
    [['events', 'list']],
    [['deliveries', 'list']],
    [['dead-letters', 'list']],
    [['events', 'replay', 'evt_01kzzzzzzzzzzzzzzzzzzzzzzz']],
    [['events', 'backfill', '--from', '2026-12-01']],
  ])('%j --handler bad!name: exit 2, in listen’s words', async (command) => {
    const run = await runCli(config.dir, [...command, '--handler', 'bad!name', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toEqual({
      code: 'invalid_handler_name',
      message: MESSAGE,
      hint: HINT,
      exitCode: 2,
    });
  });

  it('human output: the flag, the value, what a name looks like, and no srhooks.config.json', async () => {
    const run = await runCli(config.dir, ['events', 'list', '--handler', 'bad!name']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: ${MESSAGE}\n${HINT}\n`);
    expect(run.stderr).not.toContain('srhooks.config.json');
  });
});
