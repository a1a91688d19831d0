/**
 * The root README's "Build a ShopRenter app" section works as written: its shell block (the three
 * JSON files it writes, the sandbox, the receiver in app mode, the CLI steps) is read from README.md
 * and run with bash in an empty temporary folder, against the built CLI and receiver. So the test
 * breaks when the README drifts from what works.
 *
 * What is changed, and only that: the ports (3000 and 8787 become free ones, so the test never
 * collides with a receiver or sandbox already running on this machine; the CLI finds the sandbox
 * through SRHOOKS_SANDBOX_URL, its documented variable), and `npm run srhooks --` /
 * `node apps/receiver/dist/main.js` name the repository's files by absolute path because the block
 * runs outside the repository (`npm run srhooks` is `node apps/cli/dist/cli.js`, which
 * readme-commands.test.ts holds). Then the receiver's admin API shows what the section promises:
 * three shops installed, beta uninstalled, an order from an installed shop stored and handled, and
 * the Payment API notification stored.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@srhooks/sandbox';
import { afterAll, describe, expect, it } from 'vitest';
import { READ_ME_APP_SECTION, readmeAppBlock } from './readme-app-block.js';
import { REPO_ROOT } from './repo-root.js';

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe(`the root README's "${READ_ME_APP_SECTION}" section`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-readme-app-'));
  let child: ChildProcess | null = null;

  afterAll(() => {
    // The block leaves the sandbox and the receiver running in the background: end the process
    // group this test started (bash, and the jobs it put in the background), by its id.
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as written and ends with an order from an installed shop handled', async () => {
    for (const built of ['apps/cli/dist/cli.js', 'apps/receiver/dist/main.js'])
      expect(existsSync(join(REPO_ROOT, built)), `${built} is built (npm run demo -- --once builds it)`).toBe(
        true,
      );
    const block = readmeAppBlock();
    const receiverPort = await freePort();
    const sandboxPort = await freePort();
    const script = block.script
      .replaceAll('127.0.0.1:3000', `127.0.0.1:${receiverPort}`)
      .replaceAll('PORT=3000', `PORT=${receiverPort}`)
      .replaceAll('127.0.0.1:8787', `127.0.0.1:${sandboxPort}`)
      .replaceAll('npm run srhooks -- sandbox --', `npm run srhooks -- sandbox --port ${sandboxPort} --`)
      .replaceAll('npm run srhooks -- ', `node "${join(REPO_ROOT, 'apps/cli/dist/cli.js')}" `)
      .replaceAll(
        'node apps/receiver/dist/main.js',
        `node "${join(REPO_ROOT, 'apps/receiver/dist/main.js')}"`,
      );
    // Every port and `npm run` left is in a comment.
    expect(script.replace(/\s#\s[^\n]*$/gm, '')).not.toMatch(/:3000\b|:8787\b|npm run/);

    let output = '';
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child = spawn('bash', ['-e', '-c', script], {
        cwd: dir,
        detached: true,
        env: {
          ...process.env,
          SRHOOKS_SANDBOX_URL: `http://127.0.0.1:${sandboxPort}`,
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      // A step that never ends (e.g. the receiver never comes up: `until curl …`) fails the test.
      const timer = setTimeout(() => {
        if (child?.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
        reject(new Error(`the block did not finish within 120 s:\n${output}`));
      }, 120_000);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(exitCode, output).toBe(0);

    const receiver = `http://127.0.0.1:${receiverPort}`;
    const admin = async (path: string) => {
      const response = await fetch(`${receiver}/admin/api${path}`, {
        headers: { authorization: `Bearer ${block.adminToken}` },
      });
      if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
      return (await response.json()) as { items: Array<Record<string, unknown>> };
    };

    const shops = Object.fromEntries((await admin('/shops')).items.map((shop) => [shop.name, shop]));
    expect(shops.alpha).toMatchObject({ source: 'app', status: 'installed', recovery: true });
    expect(shops.gamma).toMatchObject({ source: 'app', status: 'installed' });
    expect(shops.beta).toMatchObject({ source: 'app', status: 'uninstalled' });
    for (const shop of ['alpha', 'gamma'])
      expect(
        ((shops[shop]?.subscriptions ?? []) as Array<{ event: string }>).map((s) => s.event).sort(),
      ).toEqual(['order_confirm', 'order_status_change']);

    // The order `sandbox order --shop alpha` placed: delivered, stored, handled by `print`.
    const order = await eventually('the order from alpha handled', async () => {
      const events = (await admin('/events?shop=alpha&event=order_confirm')).items;
      return events.find((event) => event.status === 'succeeded');
    });
    expect(order).toMatchObject({ shop: 'alpha', source: 'webhook' });
    // The uninstall reached the app's handlers; the payment notification is an event of alpha.
    await eventually('beta’s app_uninstalled event', async () =>
      (await admin('/events?shop=beta')).items.find((event) => event.event === 'app_uninstalled'),
    );
    await eventually('the Payment API notification', async () =>
      (await admin('/events?shop=alpha')).items.find((event) => event.event === 'payment_status'),
    );

    // "Open … for the embedded page as the shop admin shows it": the admin page frames the entry point.
    const adminPage = block.adminPage.replace('127.0.0.1:8787', `127.0.0.1:${sandboxPort}`);
    const page = await fetch(adminPage);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`${receiver}/app/entry`);
  });
});
