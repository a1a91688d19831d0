/**
 * A filter the receiver refuses (its 400 `invalid_request` names the query or body field) is named by
 * the flag the user typed — `--from`, `--search`, `--delivery` —, not by the admin API's field
 * (`query.from`, `query.q`, `body.from`), which a command-line user never wrote. Exit 2, code kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'refused-filter-admin-token-0123456789';
let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startTestReceiver(
    config.dir,
    {
      secrets: ['refused-filter-url-secret-0123456789'],
      adminToken: ADMIN_TOKEN,
      shops: [{ name: 'acme', handlers: ['erp'] }],
      handlers: { erp: { type: 'log' } },
    },
    // the log handler's lines (masked payloads) stay out of the test output
    { processing: { logWrite: () => {} } },
  );
});
afterAll(async () => {
  await receiver.receiver.close();
  config.cleanup();
});

const admin = (...args: string[]) =>
  runCli(config.dir, [...args, '--receiver', receiver.url], { env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } });

const ISO = 'must be an ISO 8601 date or date-time such as 2025-12-01';

describe('a filter the receiver refuses is named by its flag', () => {
  it.each([
    [['events', 'list', '--from', 'yesterday'], `error: --from is invalid: ${ISO}`],
    [['deliveries', 'list', '--to', 'tomorrow'], `error: --to is invalid: ${ISO}`],
    [['events', 'list', '--delivery', 'x'], 'error: --delivery is invalid: must be an id'],
    [['events', 'list', '--cursor', 'garbage'], 'error: --cursor is invalid: must be an id'],
    [
      ['events', 'list', '--search', 'a'.repeat(201)],
      'error: --search is invalid: must be at most 200 characters',
    ],
    [['dead-letters', 'list', '--from', 'x'], `error: --from is invalid: ${ISO}`],
    // the other bound named by its flag too (it said "later than from", the API's field)
    [
      ['events', 'list', '--from', '2026-12-08', '--to', '2026-12-01'],
      'error: --to is invalid: must be later than --from\n',
    ],
    [
      ['deliveries', 'list', '--from', '2026-12-08', '--to', '2026-12-01'],
      'error: --to is invalid: must be later than --from\n',
    ],
    [
      ['events', 'backfill', '--handler', 'erp', '--from', '2099-01-01'],
      'error: --from is invalid: must be earlier than --to (or than now, without --to)\n',
    ],
    [['dead-letters', 'retry', '--from', 'x'], `error: --from is invalid: ${ISO}`],
  ])('srhooks %j', async (args, start) => {
    const run = await admin(...args);
    expect(run.code).toBe(2);
    expect(run.stderr.startsWith(start)).toBe(true);
    expect(run.stderr).not.toMatch(/query\.|body\./);
  });

  it('--json keeps the code invalid_request', async () => {
    const run = await admin('events', 'list', '--from', 'yesterday', '--json');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/^--from is invalid: must be an ISO 8601/),
      exitCode: 2,
    });
  });
});

/** Sends acme an order_confirm and returns the id of the event it stored (the newest listed). */
async function storedOrderEventId(): Promise<string> {
  const sent = await runCli(config.dir, [
    'trigger',
    'order_confirm',
    '--to',
    receiver.deliveryUrl({ shop: 'acme', event: 'order_confirm' }),
  ]);
  expect(sent.code).toBe(0);
  const listed = await admin('events', 'list', '--json');
  return JSON.parse(listed.stdout).items[0].id as string;
}

describe('a handler the receiver does not have', () => {
  it('events replay --handler NAME: named by --handler, not the API field "handler:"', async () => {
    const id = await storedOrderEventId();
    const run = await admin('events', 'replay', id, '--handler', 'nope');
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(
      'error: --handler "nope" is not configured; handlers for acme/order_confirm: erp',
    );
    const json = await admin('events', 'replay', id, '--handler', 'nope', '--json');
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'unknown_handler', exitCode: 2 });
  });

  it('events replay --handler with a typo names the nearest configured handler, as an unknown event name does', async () => {
    const id = await storedOrderEventId();
    const run = await admin('events', 'replay', id, '--handler', 'erpp');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: --handler "erpp" is not configured; handlers for acme/order_confirm: erp\ndid you mean --handler erp?\n',
    );
    const json = await admin('events', 'replay', id, '--handler', 'erpp', '--json');
    expect(JSON.parse(json.stdout).error).toMatchObject({
      code: 'unknown_handler',
      hint: 'did you mean --handler erp?',
      exitCode: 2,
    });
    const far = await admin('events', 'replay', id, '--handler', 'warehouse-sync');
    expect(far.stderr).toBe(
      'error: --handler "warehouse-sync" is not configured; handlers for acme/order_confirm: erp\n',
    );
  });
});
