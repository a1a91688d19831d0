import { APP_EVENTS, WEBHOOK_EVENTS } from '@srhooks/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENTS, STORED_EVENTS } from './event-name.js';
import { runCli, tempConfigDir } from './test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

describe('event names', () => {
  it("are contracts' six events", () => {
    expect([...EVENTS]).toEqual([...WEBHOOK_EVENTS]);
  });

  // Every command that takes an event, as an option, an argument or a list.
  it.each([
    [['webhooks', 'create', '--event', 'order_nope', '--url', 'https://hooks.example.com/x']],
    [['webhooks', 'list', '--event', 'order_nope']],
    [
      [
        'url',
        '--shop',
        'demo',
        '--event',
        'order_nope',
        '--base',
        'https://h.example',
        '--secret',
        's'.repeat(32),
      ],
    ],
    [['trigger', 'order_nope', '--to', 'http://127.0.0.1:9/x']],
    [['fields', 'order_nope']],
    [['events', 'list', '--event', 'order_nope']],
    [['listen', '--events', 'order_confirm,order_nope', '--port', '0']],
  ])('srhooks %j: one wording, exit 2', async (args) => {
    const run = await runCli(config.dir, args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: unknown event "order_nope"');
    expect(run.stderr).toContain(`use one of: ${EVENTS.join(', ')}`);
    const json = await runCli(config.dir, [...args, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'invalid_event', exitCode: 2 } });
  });
});

describe("event names of a receiver's lists", () => {
  it("are contracts' six webhook events and its app events", () => {
    expect([...STORED_EVENTS]).toEqual([...WEBHOOK_EVENTS, ...APP_EVENTS]);
  });

  it.each([
    [['events', 'list', '--event', 'payment_status']],
    [['events', 'list', '--event', 'app_uninstalled']],
    [['deliveries', 'list', '--event', 'payment_card_change']],
  ])('srhooks %j takes an app event (and goes on to the receiver)', async (args) => {
    const run = await runCli(config.dir, [
      ...args,
      '--receiver',
      'http://127.0.0.1:9',
      '--admin-token',
      'a'.repeat(32),
    ]);
    expect(run.stderr).not.toContain('unknown event');
    expect(run.code).toBe(3);
  });

  it('still refuses an unknown name, listing the app events too; webhooks take webhook events only', async () => {
    const run = await runCli(config.dir, ['events', 'list', '--event', 'payment_statu']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: unknown event "payment_statu" (did you mean payment_status?)');
    expect(run.stderr).toContain(`use one of: ${STORED_EVENTS.join(', ')}`);
    const webhook = await runCli(config.dir, ['webhooks', 'list', '--event', 'payment_status']);
    expect(webhook.code).toBe(2);
    expect(webhook.stderr).toContain('error: unknown event "payment_status"');
  });
});
