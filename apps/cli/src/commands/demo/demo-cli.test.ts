import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_PATH, runCli, startCli, tempConfigDir } from '../../test-support/run-cli.js';

// The demo as users run it: the BUILT CLI in its own process (demo.test.ts drives it in-process).
const config = tempConfigDir();
afterAll(() => config.cleanup());

describe('srhooks demo (built CLI)', () => {
  it('--once --json: six subscriptions, every event stored and handled, exit 0, files removed', async () => {
    const run = await runCli(config.dir, ['demo', '--once', '--json'], { timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.sync).toMatchObject({ shop: 'demo', ok: true });
    expect(result.arrived.map((row: { event: string }) => row.event).sort()).toEqual(
      [
        'abandoned_cart',
        'newsletter_subscribe',
        'order_confirm',
        'order_confirm',
        'order_confirm',
        'order_status_change',
      ].sort(),
    );
    expect(result.allHandled).toBe(true);
    expect(result.receiver.inspector).toBe(`${result.receiver.url}/ui`);
    expect(existsSync(result.receiver.dir)).toBe(false);
    // the demo never touches the user's config dir, and prints no client secret
    expect(existsSync(config.dir)).toBe(false);
    expect(run.stdout + run.stderr).not.toContain('sandbox-demo-secret');
  });

  it('prints the plan and the table, shows live lines for new orders, stops on Ctrl-C', async () => {
    const demo = startCli(config.dir, ['demo']);
    try {
      await demo.waitForLine(/Ctrl-C stops the demo/, 60_000);
      const out = demo.stdout();
      expect(out).toMatch(/Plan: 6 to create/);
      expect(out).toMatch(/^EVENT\s+ORDER \/ SUBSCRIBER\s+CUSTOMER\s+TOTAL\s+HANDLERS$/m);
      expect(out.match(/^order_confirm\s+#\d+\s+/gm)).toHaveLength(3);
      expect(out).toMatch(/^inspector\s+http:\/\/127\.0\.0\.1:\d+\/ui$/m);
      // run from the checkout (node apps/cli/dist/cli.js): the command a clone has, per the root README
      expect(out).toMatch(
        /^ {2}npm run srhooks -- sandbox order --shop demo --sandbox-url http:\/\/127\.0\.0\.1:\d+$/m,
      );
      const sandboxUrl = /--sandbox-url (\S+)/.exec(out)?.[1] ?? '';
      await demo.waitForLine(/new deliveries show up below/);
      const order = await runCli(config.dir, ['sandbox', 'order', '--sandbox-url', sandboxUrl, '--json']);
      expect(order.code).toBe(0);
      const innerId = JSON.parse(order.stdout).subject.innerId;
      await demo.waitForLine(new RegExp(`demo {2}order_confirm {2}#${innerId} .*→ \\S+ succeeded`));
    } finally {
      expect(await demo.interrupt()).toBe(0);
    }
    expect(demo.stderr()).toContain('stopping the demo (SIGINT)');
  });

  it('started as `srhooks` (a bin named srhooks, as npm install -g and npm link make), it prints srhooks commands', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'srhooks-bin-'));
    try {
      mkdirSync(join(bin, 'bin'));
      symlinkSync(CLI_PATH, join(bin, 'bin', 'srhooks'));
      const demo = startCli(config.dir, ['demo'], { script: join(bin, 'bin', 'srhooks') });
      try {
        await demo.waitForLine(/Ctrl-C stops the demo/, 60_000);
        expect(demo.stdout()).toMatch(
          /^ {2}srhooks sandbox order --shop demo --sandbox-url http:\/\/127\.0\.0\.1:\d+$/m,
        );
        expect(demo.stdout()).not.toContain('npm run');
      } finally {
        expect(await demo.interrupt()).toBe(0);
      }
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
