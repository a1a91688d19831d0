/**
 * `srhooks demo`'s command module, run in-process against the real sandbox and the real receiver
 * (HTTP on 127.0.0.1, SQLite in a tmp dir, the review-request example handler): the `--once --json`
 * result, the human output of a demo running until it is stopped, and the failure messages.
 */
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { DEMO_CLIENT, startSandbox } from '@srhooks/sandbox';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../cli-error.js';
import type { CommandContext } from '../../command.js';
import { createCommandContext } from '../../command-context.js';
import { Output } from '../../output/index.js';
import { demoCommand } from './demo.js';
import { reviewRequestModulePath, startDemoReceiver } from './demo-services.js';
import { createDemoWorkspace } from './demo-workspace.js';
import { waitForArrivals } from './wait-for-arrivals.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

function demoContext(json: boolean, stop?: Promise<NodeJS.Signals>) {
  const stdout = new Capture();
  const stderr = new Capture();
  const output = new Output({ json, env: { NO_COLOR: '1' }, stdout, stderr });
  const base = createCommandContext({ output, env: { NO_COLOR: '1' }, debug: false });
  const context: CommandContext = {
    ...base,
    // the demo's Ctrl-C, without sending a signal to the test process
    untilInterrupted: () => stop ?? new Promise<NodeJS.Signals>(() => {}),
  };
  return { context, stdout, stderr };
}

/** A signed delivery URL with its whole token (43 base64url characters) must never be printed. */
const FULL_HOOK_URL = /\/hooks\/demo\/[a-z_]+\/[A-Za-z0-9_-]{43}/;

describe('srhooks demo', () => {
  it('--once --json: six subscriptions, every expected event stored and handled, files removed', async () => {
    const { context, stdout, stderr } = demoContext(true);
    const result = await demoCommand.run({ once: true }, context);

    expect(JSON.parse(stdout.text)).toEqual(JSON.parse(JSON.stringify(result)));
    expect(demoCommand.exitCode?.(result)).toBe(0);
    expect(result.sync.summary).toMatchObject({ created: 6, failed: 0 });
    expect(result.sync.lines.map((line) => `${line.action} ${line.event}`)).toEqual([
      'create order_confirm',
      'create order_status_change',
      'create abandoned_cart',
      'create newsletter_subscribe',
      'create newsletter_unsubscribe',
      'create newsletter_update_subscriber',
    ]);
    for (const line of result.sync.lines)
      expect(line.url).toMatch(
        new RegExp(`^${result.receiver.url}/hooks/demo/${line.event}/[A-Za-z0-9_-]{4}…$`),
      );
    expect(result.login).toEqual({
      clientId: DEMO_CLIENT.clientId,
      scopes: expect.arrayContaining(['store.webhook:read', 'store.webhook:write']),
      missingScopes: [],
    });

    expect(result.arrived.map((row) => row.event)).toEqual([
      'order_confirm',
      'order_confirm',
      'order_confirm',
      'order_status_change',
      'abandoned_cart',
      'newsletter_subscribe',
    ]);
    const [first, second, third, statusChange, cart, subscriber] = result.arrived;
    const orderNumbers = [first, second, third, cart].map((row) => row?.orderNumber);
    expect(new Set(orderNumbers).size).toBe(4);
    expect(statusChange?.orderNumber).toBe(first?.orderNumber);
    expect(subscriber).toMatchObject({ orderNumber: null, subscriberId: expect.stringMatching(/^\d+$/) });
    for (const row of [first, second, third, statusChange, cart]) {
      expect(row?.total).toMatch(/^\d+(\.\d+)?$/);
      expect(row?.currency).toBe('HUF');
    }
    for (const row of result.arrived) {
      // initials only (B*** É***), or a masked e-mail address
      expect(row.customer).toMatch(/^(\S\*\*\*( \S\*\*\*)*|\S\*\*\*@\S+)$/);
      expect(row.status).toBe('succeeded');
    }
    expect(result.allHandled).toBe(true);

    const handlers = (index: number) =>
      result.arrived[index]?.handlers.map((job) => `${job.handler} ${job.status}`);
    const withReviews = reviewRequestModulePath() !== null;
    expect(withReviews).toBe(true);
    for (const index of [0, 1, 2])
      expect(handlers(index)).toEqual(['log succeeded', 'review-request succeeded']);
    for (const index of [3, 4, 5]) expect(handlers(index)).toEqual(['log succeeded']);
    // Three delivered orders and the one recovered after the receiver's restart.
    expect(result.reviewRequests?.written).toBe(4);
    expect(result.recovery).toMatchObject({ delivery: 'failed', source: 'recovery', status: 'succeeded' });
    expect(result.recovery.inspector).toBe(`${result.receiver.url}/ui?source=recovery`);

    expect(result.receiver.inspector).toBe(`${result.receiver.url}/ui`);
    expect(result.receiver.adminToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(result.stopped).toBeNull();
    // stopped: its servers are closed and its files are gone
    await expect(fetch(`${result.receiver.url}/healthz`)).rejects.toThrow();
    await expect(fetch(`${result.sandbox.url}/demo/_sandbox/orders`)).rejects.toThrow();
    const { existsSync } = await import('node:fs');
    expect(existsSync(result.receiver.dir)).toBe(false);
    expect(process.env.REVIEW_REQUEST_OUTBOX).toBeUndefined();

    for (const text of [stdout.text, stderr.text]) {
      expect(text).not.toContain(DEMO_CLIENT.clientSecret);
      expect(text).not.toMatch(FULL_HOOK_URL);
    }
    expect(stderr.text).toContain('6 deliveries stored and handled');
  });

  it('human output: plan, table, inspector and its token; runs until stopped, the inspector answering', async () => {
    let stop: (signal: NodeJS.Signals) => void = () => {};
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      stop = resolve;
    });
    const { context, stdout, stderr } = demoContext(false, stopped);
    const running = demoCommand.run({}, context);
    const deadline = Date.now() + 20_000;
    while (!stdout.text.includes('Ctrl-C stops the demo') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const out = stdout.text;
    expect(out).toContain('Plan: 6 to create, 0 to update, 0 unchanged.');
    expect(out).toContain('✔ applied: 6 created, 0 updated');
    expect(out).toMatch(/^EVENT\s+ORDER \/ SUBSCRIBER\s+CUSTOMER\s+TOTAL\s+HANDLERS$/m);
    expect(out.match(/^order_confirm\s+#\d+\s+\S\*\*\*.*\d+ HUF\s+log ✔\s+review-request ✔$/gm)).toHaveLength(
      3,
    );
    expect(out).toMatch(/^order_status_change\s+#\d+\s+.*HUF\s+log ✔$/m);
    expect(out).toMatch(/^abandoned_cart\s+#\d+\s+.*HUF\s+log ✔$/m);
    expect(out).toMatch(/^newsletter_subscribe\s+subscriber \d+\s+\S.*log ✔$/m);
    // 3 ✔ in the table, the 4th the recovered order's: the line says so, naming that order
    const recovered = /recovery: order #(\d+) was placed while the receiver was down/.exec(out)?.[1];
    expect(out).toMatch(
      new RegExp(
        `review-request wrote 4 review e-mails \\(3 for the orders above, 1 for order #${recovered} recovered below\\) to \\/\\S+review-requests\\.mbox$`,
        'm',
      ),
    );
    expect(out).toMatch(
      /recovery: order #\d+ was placed while the receiver was down \(its delivery failed\); .* source recovery \(handlers succeeded\)/,
    );
    expect(out).toMatch(/see it with the recovery badge: http:\/\/127\.0\.0\.1:\d+\/ui\?source=recovery$/m);
    const inspector = /^inspector {4}(http:\/\/127\.0\.0\.1:\d+\/ui)$/m.exec(out)?.[1];
    const token = /^admin token {2}([A-Za-z0-9_-]{32})$/m.exec(out)?.[1];
    expect(inspector).toBeDefined();
    expect(token).toBeDefined();

    // the inspector is live with the admin token, and the admin API lists the six events and the recovered order
    const page = await fetch(inspector as string, { headers: { authorization: `Bearer ${token}` } });
    expect(page.status).toBe(200);
    const events = (await (
      await fetch(`${(inspector as string).replace(/\/ui$/, '')}/admin/api/events`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { items: { status: string; source: string }[] };
    expect(events.items.map((event) => event.status)).toEqual(Array(7).fill('succeeded'));
    expect(events.items.filter((event) => event.source === 'recovery')).toHaveLength(1);
    expect((await fetch(inspector as string, { redirect: 'manual' })).status).toBe(303); // no token: to the login form

    stop('SIGINT');
    const result = await running;
    expect(result.stopped).toBe('SIGINT');
    expect(stderr.text).toContain('stopping the demo (SIGINT)');
    await expect(fetch(inspector as string)).rejects.toThrow();
    for (const text of [stdout.text, stderr.text]) {
      expect(text).not.toContain(DEMO_CLIENT.clientSecret);
      expect(text).not.toMatch(FULL_HOOK_URL);
    }
  });

  it('a taken port is a usage error naming the flag', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { context } = demoContext(true);
      const failure = await demoCommand
        .run({ once: true, portReceiver: port }, context)
        .catch((error) => error);
      expect(failure).toBeInstanceOf(CliError);
      expect(failure).toMatchObject({
        code: 'port_in_use',
        exitCode: 2,
        message: `port ${port} is already in use`,
      });
      expect(failure.hint).toContain('--port-receiver');
    } finally {
      blocker.close();
    }
  });

  it('waiting names what did not arrive: a failed sandbox delivery at once, a missing event after the timeout', async () => {
    const workspace = await createDemoWorkspace();
    const sandbox = await startSandbox({ rateLimit: false });
    const receiver = await startDemoReceiver({
      port: 0,
      shop: 'demo',
      workspace,
      urlSecret: 'a-test-secret-of-enough-length-0123',
      adminToken: 'an-admin-token-for-tests',
      reviewRequestModule: null,
      debug: false,
    });
    try {
      // a subscription to a URL the receiver refuses (forged token): ShopRenter's delivery fails
      const { createShopRenterClient } = await import('@srhooks/client');
      const client = createShopRenterClient({
        shop: 'demo',
        auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
        apiUrl: sandbox.apiUrlTemplate,
        tokenUrl: sandbox.tokenUrlTemplate,
        rateLimit: false,
      });
      await client.webhooks.create({
        event: 'order_confirm',
        url: `${receiver.url}/hooks/demo/order_confirm/${'A'.repeat(43)}`,
      });
      const { order, deliveries } = await sandbox.simulator.placeOrder('demo');
      const failed = await waitForArrivals({
        store: receiver.app.store,
        simulator: sandbox.simulator,
        shop: 'demo',
        expected: [
          {
            event: 'order_confirm',
            subjectId: String(order.innerId),
            subject: `#${order.innerId}`,
            description: '',
            deliveryIds: deliveries.map((delivery) => delivery.id),
          },
        ],
        timeoutMs: 10_000,
      }).catch((error) => error);
      expect(failed).toMatchObject({
        code: 'demo_delivery_failed',
        message: `the sandbox could not deliver order_confirm #${order.innerId} to the receiver: HTTP 404`,
      });

      const missing = await waitForArrivals({
        store: receiver.app.store,
        simulator: sandbox.simulator,
        shop: 'demo',
        expected: [
          {
            event: 'newsletter_subscribe',
            subjectId: '77',
            subject: 'subscriber 77',
            description: '',
            deliveryIds: [],
          },
        ],
        timeoutMs: 300,
      }).catch((error) => error);
      expect(missing).toMatchObject({
        code: 'demo_timeout',
        message:
          'timed out after 300ms waiting for 1 of 1 events: newsletter_subscribe subscriber 77 not stored (no delivery from the sandbox)',
      });
    } finally {
      await sandbox.close();
      await receiver.close();
      await workspace.remove();
    }
  });
});
