import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPrefix } from './cli-invocation.js';
import { CLI_PATH } from './test-support/run-cli.js';

// Real files: a checkout's layout, a global install's layout with its `srhooks` bin symlink.
const root = mkdtempSync(join(tmpdir(), 'srhooks-invocation-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(path: string, text = ''): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const checkout = join(root, 'clone', 'srhooks');
file(
  join(checkout, 'package.json'),
  JSON.stringify({ name: 'srhooks', scripts: { srhooks: 'node apps/cli/dist/cli.js' } }),
);
const checkoutCli = file(join(checkout, 'apps', 'cli', 'dist', 'cli.js'));
const global = join(root, 'global');
const installedCli = file(join(global, 'lib', 'node_modules', '@srhooks', 'cli', 'dist', 'cli.js'));
file(
  join(global, 'lib', 'node_modules', '@srhooks', 'cli', 'package.json'),
  JSON.stringify({ name: '@srhooks/cli' }),
);
mkdirSync(join(global, 'bin'));
symlinkSync(installedCli, join(global, 'bin', 'srhooks'));
// npm link: the global bin points into the checkout
mkdirSync(join(root, 'linked', 'bin'), { recursive: true });
symlinkSync(checkoutCli, join(root, 'linked', 'bin', 'srhooks'));
// a folder laid out like a checkout whose package.json is another project's
const other = join(root, 'other');
file(join(other, 'package.json'), JSON.stringify({ name: 'my-shop-app', scripts: { build: 'tsc' } }));
const otherCli = file(join(other, 'apps', 'cli', 'dist', 'cli.js'));

describe('cliPrefix: the commands the CLI suggests are written as the user started it', () => {
  it.each([
    ['node apps/cli/dist/cli.js in a checkout (npm run demo)', {}, checkoutCli, 'npm run srhooks --'],
    ['this repository’s own built CLI', {}, CLI_PATH, 'npm run srhooks --'],
    [
      'npm run srhooks -- … (npm_lifecycle_event)',
      { npm_lifecycle_event: 'srhooks' },
      checkoutCli,
      'npm run srhooks --',
    ],
    [
      'npm run srhooks in a project that installed it',
      { npm_lifecycle_event: 'srhooks' },
      join(global, 'bin', 'srhooks'),
      'npm run srhooks --',
    ],
    ['the srhooks bin of a global install', {}, join(global, 'bin', 'srhooks'), 'srhooks'],
    [
      'the srhooks bin npm link made (into the checkout)',
      {},
      join(root, 'linked', 'bin', 'srhooks'),
      'srhooks',
    ],
    ['npm’s Windows shim name', {}, join(global, 'srhooks.cmd'), 'srhooks'],
    ['an installed dist/cli.js run by path', { npm_lifecycle_event: 'start' }, installedCli, 'srhooks'],
    ['a checkout-like folder of another project', {}, otherCli, 'srhooks'],
    ['a script that does not exist', {}, join(root, 'nope', 'apps', 'cli', 'dist', 'cli.js'), 'srhooks'],
    ['no script (node -e)', {}, undefined, 'srhooks'],
  ] as const)('%s', (_case, env, script, expected) => {
    expect(cliPrefix(env, script)).toBe(expected);
  });
});
