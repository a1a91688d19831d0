import { WEBHOOK_EVENTS } from '@srhooks/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENTS } from './event-name.js';
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
