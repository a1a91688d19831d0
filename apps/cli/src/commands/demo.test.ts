import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

describe('srhooks demo', () => {
  it('--once --json: every event stored and handled, then exit 0 and clean up', async () => {
    const run = await runCli(config.dir, ['demo', '--once', '--json'], { timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      type: 'demo_ready',
      scopes: ['store.webhook:read', 'store.webhook:write', 'order.order:read'],
      sync: { ok: true, shops: [{ shop: 'demo', summary: { created: 6, failed: 0 } }] },
      simulated: { orders: 3, statusChanges: 1, abandonedCarts: 1, subscriptions: 1 },
    });
    expect(summary.events.map((event: { event: string }) => event.event)).toEqual([
      'order_confirm',
      'order_confirm',
      'order_confirm',
      'order_status_change',
      'abandoned_cart',
      'newsletter_subscribe',
    ]);
    for (const event of summary.events) expect(event.status).toBe('succeeded');
    const orders = summary.events.slice(0, 3);
    for (const order of orders) {
      expect(order).toMatchObject({
        orderNumber: expect.any(String),
        customer: expect.any(String),
        total: expect.any(String),
        currency: 'HUF',
      });
    }
    // the status change is about the first order
    expect(summary.events[3].orderNumber).toBe(orders[0].orderNumber);
    expect(summary.receiver.inspector).toBe(`${summary.receiver.url}/ui`);
    expect(summary.receiver.adminToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(existsSync(summary.dir)).toBe(false);
    // the demo never touches the user's config dir
    expect(existsSync(config.dir)).toBe(false);
  });

  it('prints the plan and the table, keeps running with live lines, stops on Ctrl-C', async () => {
    const demo = startCli(config.dir, ['demo']);
    try {
      await demo.waitForLine(/^inspector: {2}http:\/\/127\.0\.0\.1:\d+\/ui$/, 60_000);
      const out = demo.stdout();
      expect(out).toContain('Plan: 6 to create, 0 to update, 0 unchanged.');
      expect(out).toMatch(/^EVENT\s+ORDER\s+CUSTOMER\s+TOTAL\s+HANDLED$/m);
      expect(out.match(/^order_confirm\s+#\d+\s+\S.*\d+ HUF\s+succeeded$/gm)).toHaveLength(3);
      expect(out).toMatch(/^newsletter_subscribe\s+\S.*succeeded$/m);
      const sandboxUrl = /srhooks sandbox order --sandbox-url (\S+)/.exec(out)?.[1] ?? '';
      await demo.waitForLine(/Ctrl-C stops the demo/);
      const order = await runCli(config.dir, ['sandbox', 'order', '--sandbox-url', sandboxUrl, '--json']);
      expect(order.code).toBe(0);
      const innerId = JSON.parse(order.stdout).subject.innerId;
      await demo.waitForLine(new RegExp(`demo {2}order_confirm {2}#${innerId} .*→ demo-log succeeded`));
    } finally {
      expect(await demo.interrupt()).toBe(0);
    }
    expect(demo.stderr()).toContain('stopping the demo (SIGINT)');
  });
});
