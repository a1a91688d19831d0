import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
    const demo = startCli(config.dir, ['demo'], { script: CLI_PATH });
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

  it('started through npx (the bin in npm’s npx cache), it prints npx @srhooks/cli commands', async () => {
    // npm 11 installs `npx @srhooks/cli` into <cache>/_npx/<16 hex>/node_modules and runs
    // node_modules/.bin/srhooks (libnpmexec/lib/index.js): the built package copied there, its
    // dependencies linked as an install would place them, the environment npm sets (see
    // cli-invocation.test.ts)
    const home = mkdtempSync(join(tmpdir(), 'srhooks-npx-'));
    try {
      const cliDir = dirname(dirname(CLI_PATH));
      const modules = join(home, '.npm', '_npx', '1f2e3d4c5b6a7980', 'node_modules');
      const installed = join(modules, '@srhooks', 'cli');
      mkdirSync(installed, { recursive: true });
      cpSync(join(cliDir, 'package.json'), join(installed, 'package.json'));
      cpSync(join(cliDir, 'dist'), join(installed, 'dist'), { recursive: true });
      for (const name of readdirSync(join(cliDir, 'node_modules'))) {
        if (name.startsWith('.')) continue;
        const names = name.startsWith('@')
          ? readdirSync(join(cliDir, 'node_modules', name)).map((inner) => `${name}/${inner}`)
          : [name];
        for (const dep of names) {
          if (dep === '@srhooks/cli' || existsSync(join(modules, dep))) continue;
          mkdirSync(dirname(join(modules, dep)), { recursive: true });
          symlinkSync(realpathSync(join(cliDir, 'node_modules', dep)), join(modules, dep));
        }
      }
      mkdirSync(join(modules, '.bin'));
      symlinkSync('../@srhooks/cli/dist/cli.js', join(modules, '.bin', 'srhooks'));
      const demo = startCli(config.dir, ['demo'], {
        script: join(modules, '.bin', 'srhooks'),
        env: { npm_command: 'exec', npm_lifecycle_event: 'npx', npm_lifecycle_script: "'srhooks'" },
      });
      try {
        await demo.waitForLine(/Ctrl-C stops the demo/, 60_000);
        expect(demo.stdout()).toMatch(
          /^ {2}npx @srhooks\/cli sandbox order --shop demo --sandbox-url http:\/\/127\.0\.0\.1:\d+$/m,
        );
      } finally {
        expect(await demo.interrupt()).toBe(0);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
