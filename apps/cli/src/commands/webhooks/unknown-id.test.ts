/**
 * A webhook id the shop does not have (`webhooks get|update|enable|disable|delete ID`) is said as the
 * command line's "no webhook with id … on SHOP" with the shop API's own words kept, and the hint names
 * the command that lists the ids — not the client's "GET http://…/webHooks/x answered 404/40401 …:
 * check the id (list the resources to see which exist)" with no second line. Exit 3 (the API said no).
 */
import { describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { loggedInTestSandbox } from '../../test-support/test-sandbox.js';

const config = tempConfigDir();
const _sandbox = loggedInTestSandbox(config);
const cli = (...args: string[]) => runCli(config.dir, args);

describe('a webhook id the shop does not have', () => {
  it.each([
    ['get', 'nope'],
    ['update', 'nope', '--label', 'x'],
    ['enable', 'nope'],
    ['disable', 'nope'],
    ['delete', 'nope'],
  ])('webhooks %s: no webhook with that id, and how to list them', async (command, ...rest) => {
    const run = await cli('webhooks', command, ...rest);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      'error: no webhook with id "nope" on acme (the shop\'s API answered 404: Resource not found! webHooks/nope)\n' +
        'list them with srhooks webhooks list --shop acme\n',
    );
    const json = await cli('webhooks', command, ...rest, '--json');
    expect(JSON.parse(json.stdout).error).toEqual({
      code: 'not_found',
      message:
        'no webhook with id "nope" on acme (the shop\'s API answered 404: Resource not found! webHooks/nope)',
      hint: 'list them with srhooks webhooks list --shop acme',
      exitCode: 3,
    });
  });

  it('delete of several ids stops at the unknown one, saying so in the same words', async () => {
    const created = await cli(
      'webhooks',
      'create',
      '--event',
      'order_confirm',
      '--url',
      'https://hooks.example.com/a',
      '--json',
    );
    const id = JSON.parse(created.stdout).webhook.id as string;
    const run = await cli('webhooks', 'delete', id, 'nope', '--json');
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({
      deleted: [id],
      failed: {
        id: 'nope',
        error: { code: 'not_found', hint: 'list them with srhooks webhooks list --shop acme' },
      },
    });
  });
});
