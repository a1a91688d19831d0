import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/** How the user runs srhooks: the installed/linked command, or the repository checkout's npm script. */
export type CliPrefix = 'srhooks' | 'npm run srhooks --';

/**
 * The checkout's root when `script` (resolved through symlinks) is its `apps/cli/dist/*.js` or
 * `apps/cli/src/*.ts`: the folder three levels up whose package.json is the `srhooks` workspace
 * with a `srhooks` script. An installed package sits in `node_modules/@srhooks/cli/dist/`, whose
 * third parent is `node_modules` (no such package.json).
 */
function checkoutRoot(script: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(script);
  } catch {
    return undefined;
  }
  const folder = dirname(real);
  if (!['dist', 'src'].includes(basename(folder))) return undefined;
  const cli = dirname(folder);
  if (basename(cli) !== 'cli' || basename(dirname(cli)) !== 'apps') return undefined;
  const root = dirname(dirname(cli));
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      name?: unknown;
      scripts?: Record<string, unknown>;
    };
    return manifest.name === 'srhooks' && typeof manifest.scripts?.srhooks === 'string' ? root : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What to write before a command the CLI tells the user to run next (`… sandbox order`), given how
 * this process was started (`script`: `process.argv[1]`, which Node keeps as typed, symlinks not
 * resolved):
 *
 * 1. from the npm script `srhooks` (`npm run srhooks -- …`, `pnpm srhooks …`: npm sets
 *    `npm_lifecycle_event=srhooks`): `npm run srhooks --`, the way the user ran it;
 * 2. through a bin named `srhooks` (`npm install -g`, `npm link`, `node_modules/.bin/srhooks`):
 *    `srhooks`;
 * 3. the repository checkout's `apps/cli/dist/cli.js` run by path (`npm run demo`,
 *    `node apps/cli/dist/cli.js …`): `npm run srhooks --`, as the root README says for a clone;
 * 4. anything else (an installed package's `dist/cli.js` run by path, e.g. npm's Windows shims):
 *    `srhooks`.
 */
export function cliPrefix(env: Record<string, string | undefined>, script: string | undefined): CliPrefix {
  if (env.npm_lifecycle_event === 'srhooks') return 'npm run srhooks --';
  if (script === undefined || script === '') return 'srhooks';
  if (basename(script, extname(script)) === 'srhooks') return 'srhooks';
  return checkoutRoot(script) === undefined ? 'srhooks' : 'npm run srhooks --';
}
