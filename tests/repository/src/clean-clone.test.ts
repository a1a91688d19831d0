/**
 * A clone is enough: HEAD is cloned into an empty temporary folder (nothing beside it), and the
 * README's demo command runs there as a newcomer would run it (`npm run demo -- --once`: install,
 * build, demo). The pnpm store is shared with this checkout, so the install links instead of
 * downloading. Uncommitted changes are not in the clone: commit before relying on this test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './repo-root.js';

const scratch = mkdtempSync(join(tmpdir(), 'srhooks-clean-clone-'));
const parent = join(scratch, 'alone');
const clone = join(parent, 'srhooks');

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a fresh clone with nothing beside it', () => {
  it('runs `npm run demo -- --once`: install, build and the demo table', () => {
    mkdirSync(parent);
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, clone]);
    expect(readdirSync(parent)).toEqual(['srhooks']); // nothing else beside it

    const demo = spawnSync('npm', ['run', 'demo', '--', '--once'], {
      cwd: clone,
      encoding: 'utf8',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', CI: '1', NO_COLOR: '1' },
      timeout: 540_000,
    });
    const output = `${demo.stdout}\n${demo.stderr}`;
    expect(demo.status, output.slice(-4000)).toBe(0);
    expect(output).not.toMatch(/ENOENT/);
    expect(demo.stdout).toMatch(/Plan: 6 to create, 0 to update, 0 unchanged\./);
    expect(demo.stdout).toMatch(/What arrived at the receiver \(6 events\):/);
    expect(demo.stdout).toMatch(/^EVENT\s+ORDER \/ SUBSCRIBER\s+CUSTOMER\s+TOTAL\s+HANDLERS$/m);
    for (const event of ['order_confirm', 'order_status_change', 'abandoned_cart', 'newsletter_subscribe']) {
      expect(demo.stdout).toMatch(new RegExp(`^${event}\\s+\\S`, 'm'));
    }
    // customer names masked in the table
    expect(demo.stdout).toMatch(/^order_confirm\s+#\d+\s+\S\*\*\* \S\*\*\*/m);
    expect(demo.stdout).toMatch(/^inspector\s+http:\/\/127\.0\.0\.1:\d+\/ui$/m);
  });
});
