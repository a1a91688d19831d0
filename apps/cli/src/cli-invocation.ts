import { randomBytes } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';

/**
 * How the user runs srhooks: the installed/linked command, the repository checkout's npm script,
 * npm's or pnpm's one-off runner of the published package, or pnpm's runner of a project's bin.
 */
export type CliPrefix =
  | 'srhooks'
  | 'npm run srhooks --'
  | `npx ${string}`
  | `pnpm dlx ${string}`
  | 'pnpm exec srhooks'
  | `node ${string}`;

/** package.json's name (`@srhooks/cli`), defined by tsup.config.ts (vitest.config.ts for tests). */
const PACKAGE_NAME: string = __SRHOOKS_PACKAGE_NAME__;

/**
 * A file npm installed into its npx cache for `npx <pkg>` / `npm exec <pkg>`:
 * `<cache>/_npx/<16 hex>/node_modules/…` (npm 11: `npxCache = join(cache, '_npx')` in
 * @npmcli/config/lib/definitions/definitions.js; the hashed install folder and its
 * `node_modules/.bin` in libnpmexec/lib/index.js). `/` or `\\` (Windows).
 */
const NPX_CACHE = /[\\/]_npx[\\/][0-9a-f]+[\\/]node_modules[\\/]/i;
/** A file pnpm installed for `pnpm dlx <pkg>`: `<cache>/dlx/<32 hex>/<id>/node_modules/…` (pnpm 12). */
const PNPM_DLX_CACHE = /[\\/]dlx[\\/][0-9a-f]+[\\/][^\\/]+[\\/]node_modules[\\/]/i;
const IN_NODE_MODULES = /[\\/]node_modules[\\/]/;

/** `script` with symlinks resolved, or as given when it cannot be resolved (e.g. not on this disk). */
function realOrGiven(script: string): string {
  try {
    return realpathSync(script);
  } catch {
    return script;
  }
}

/**
 * Where `script` is with respect to a one-off runner's cache (`cache`): `package` when it and its
 * real file are there (a package the runner installed from the registry), `linked` when only the
 * link is (`npx ./apps/cli`: the runner linked a folder there, and the package name would fetch the
 * published package instead), else `no`.
 */
function inCache(script: string, cache: RegExp): 'package' | 'linked' | 'no' {
  if (!cache.test(script)) return 'no';
  return cache.test(realOrGiven(script)) ? 'package' : 'linked';
}

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
 * 2. from npm's npx cache (`npx @srhooks/cli demo` of a package the user has not installed: the
 *    script is `…/_npx/<hash>/node_modules/.bin/srhooks`, and `srhooks` is on no PATH afterwards):
 *    `npx @srhooks/cli`; from pnpm's dlx cache (`pnpm dlx @srhooks/cli demo`):
 *    `pnpm dlx @srhooks/cli`. Told by the path alone, so also with the environment cleared. A
 *    folder linked into those caches (`npx ./apps/cli demo`) gets `npm run srhooks --` when it is
 *    the checkout's CLI, else `srhooks`;
 * 3. through `pnpm exec` (or a pnpm script) of a project's installed package: pnpm sets
 *    `npm_config_user_agent=pnpm/…` and the script is under `node_modules`: `pnpm exec srhooks`;
 * 4. through `npx srhooks` / `npm exec` of the package installed in the project: npm sets
 *    `npm_command=exec` and `npm_lifecycle_event=npx` (lib/npm.js, libnpmexec/lib/run-script.js,
 *    @npmcli/run-script/lib/make-spawn-args.js) and the script is under `node_modules`:
 *    `npx @srhooks/cli` (npx finds the installed package without downloading it);
 *    Likewise from any other npm script of such a project (`"tour": "srhooks demo"`, `npm run tour`:
 *    npm sets `npm_lifecycle_event=tour` and `npm_config_user_agent=npm/…`, and `srhooks` is on the
 *    PATH only inside npm scripts): `npx @srhooks/cli`;
 * 5. through a bin named `srhooks` (`npm install -g`, `npm link`, `node_modules/.bin/srhooks`):
 *    `srhooks`;
 * 6. the repository checkout's `apps/cli/dist/cli.js` run by path (`npm run demo`,
 *    `node apps/cli/dist/cli.js …`): `npm run srhooks --`, as the root README says for a clone;
 * 7. anything else (an installed package's `dist/cli.js` run by path, e.g. npm's Windows shims):
 *    `srhooks`.
 *
 * `npm run srhooks --` runs only inside the checkout (npm finds its package.json from the current folder
 * up): where `npm run srhooks --` would be suggested for a script run by path (6, or a linked folder)
 * while the current folder `cwd` is outside that checkout, the suggestion is `node <script>` as typed.
 */
export function cliPrefix(
  env: Record<string, string | undefined>,
  script: string | undefined,
  cwd: string = process.cwd(),
): CliPrefix {
  if (env.npm_lifecycle_event === 'srhooks') return 'npm run srhooks --';
  if (script === undefined || script === '') return 'srhooks';
  const npx = inCache(script, NPX_CACHE);
  const dlx = inCache(script, PNPM_DLX_CACHE);
  if (npx === 'package') return `npx ${PACKAGE_NAME}`;
  if (dlx === 'package') return `pnpm dlx ${PACKAGE_NAME}`;
  // a folder npx/dlx linked: the checkout's npm script when it is one, else the bin's name
  if (npx === 'linked' || dlx === 'linked') return checkoutRoot(script) ? 'npm run srhooks --' : 'srhooks';
  if (IN_NODE_MODULES.test(script)) {
    if (env.npm_config_user_agent?.startsWith('pnpm/')) return 'pnpm exec srhooks';
    if (env.npm_command === 'exec' && env.npm_lifecycle_event === 'npx') return `npx ${PACKAGE_NAME}`;
    if (env.npm_lifecycle_event !== undefined && env.npm_config_user_agent?.startsWith('npm/'))
      return `npx ${PACKAGE_NAME}`;
  }
  if (basename(script, extname(script)) === 'srhooks') return 'srhooks';
  const root = checkoutRoot(script);
  if (root === undefined) return 'srhooks';
  return inside(cwd, root) ? 'npm run srhooks --' : `node ${shellWord(script)}`;
}

/** Whether `folder` is `root` or inside it. */
function inside(folder: string, root: string): boolean {
  let real: string;
  try {
    real = realpathSync(folder);
  } catch {
    real = resolve(folder);
  }
  const path = relative(root, real);
  return path === '' || (!path.startsWith('..') && !path.startsWith('/') && !/^[A-Za-z]:/.test(path));
}

/** `text` as one word for a POSIX shell: as it is when it needs no quoting, else in single quotes. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The mark between `srhooks` and a command's name where a message names a thing rather than telling the
 * user what to type: `not a srhooks sandbox`, `srhooks listen's admin token`, `the URL srhooks listen
 * printed`. A random key drawn once per process, between two private-use characters (as own-escapes.ts
 * marks colours), so data cannot carry it. `commandMentions` leaves a marked name as it is and
 * `withoutNameMarks` removes the mark before anything is printed (human text and JSON alike).
 */
const NAME_MARK = `\uE002${randomBytes(6).toString('hex')}\uE003`;

/**
 * `srhooks <command>` as the name of a thing (the product, a running process: `a srhooks sandbox`,
 * `this srhooks listen`), which is printed as it is; a command the user is told to run is written
 * plainly (`run srhooks login --shop …`) and gets the prefix the CLI was started with.
 */
export function productName(command: string): string {
  return `srhooks${NAME_MARK} ${command}`;
}

/** `text` with the marks of `productName` removed: what is printed. */
export function withoutNameMarks(text: string): string {
  return text.includes(NAME_MARK) ? text.split(NAME_MARK).join('') : text;
}

/**
 * Rewrites the srhooks commands a message tells the user to run (`run srhooks login --shop …`, `see
 * srhooks events show <id>`) with `prefix` (how this process was started, `cliPrefix`), so that a
 * user of the checkout reads `npm run srhooks -- login …`, which runs, instead of `srhooks login …`,
 * which is on no PATH there. Only `srhooks` followed by one of `commandNames` (the program's top-level
 * commands and their aliases) is a command, and only where it is not marked as a name (`productName`:
 * `a srhooks sandbox`, `srhooks listen's token` name things, and stay as they are); a mention already written with its prefix (`npm run srhooks
 * -- …`, `pnpm exec srhooks …`, `npx @srhooks/cli …`) and the name inside other words or paths are left
 * alone. With the plain `srhooks` prefix the text is returned as it is. A mention inside a command
 * substitution (`"$(srhooks url …)"`, whose output is captured) gets `npm run -s srhooks --` rather than
 * `npm run srhooks --`, so npm's banner does not end up in the captured value.
 */
export function commandMentions(
  prefix: CliPrefix,
  commandNames: readonly string[],
): (text: string) => string {
  const names = commandNames.filter((name) => /^[a-z][a-z-]*$/.test(name));
  if (prefix === 'srhooks' || names.length === 0) return withoutNameMarks;
  // not inside a word or path, not after `pnpm exec` / `npm exec` (`npm run srhooks --` is followed by `--`,
  // `npx @srhooks/cli` has the name in a path); right after a
  // colour code (`\x1b[1m`, which ends in a letter) it is a mention
  const mention = new RegExp(
    `(?:(?<=\\x1b\\[[0-9;]*m)|(?<![\\w@/.-]|exec ))srhooks (?=(?:${names.join('|')})(?![\\w-]))`,
    'g',
  );
  // a command whose output is captured (`--to "$(srhooks url …)"`): npm would put its `> srhooks` banner
  // into the captured text, so npm's script runs silent there (`npm run -s srhooks --`)
  const captured = prefix === 'npm run srhooks --' ? 'npm run -s srhooks --' : prefix;
  return (text) =>
    withoutNameMarks(
      text.replace(mention, (_match: string, offset: number, whole: string) =>
        whole.endsWith('$(', offset) ? `${captured} ` : `${prefix} `,
      ),
    );
}
