import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPrefix, commandMentions, productName } from './cli-invocation.js';
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

// npx / npm exec of a package the user has not installed: npm installs it into its npx cache,
// `<cache>/_npx/<16 hex of a sha512>/node_modules` (npm 11: flatOptions.npxCache = join(cache,
// '_npx') in @npmcli/config/lib/definitions/definitions.js; installDir and binPaths in
// libnpmexec/lib/index.js), and runs the bin from its `.bin` through the shell, so argv[1] is
// `…/_npx/<hash>/node_modules/.bin/srhooks`. Seen with npm 11.19.1 (`npx -y <dir> demo`).
const npxCache = join(root, 'home', '.npm', '_npx', '1f2e3d4c5b6a7980');
const npxCli = file(join(npxCache, 'node_modules', '@srhooks', 'cli', 'dist', 'cli.js'));
file(
  join(npxCache, 'node_modules', '@srhooks', 'cli', 'package.json'),
  JSON.stringify({ name: '@srhooks/cli' }),
);
mkdirSync(join(npxCache, 'node_modules', '.bin'));
symlinkSync('../@srhooks/cli/dist/cli.js', join(npxCache, 'node_modules', '.bin', 'srhooks'));
const npxBin = join(npxCache, 'node_modules', '.bin', 'srhooks');
// `npx <a folder>` (e.g. `npx ./apps/cli`): npm links the folder into the npx cache
const npxLinked = join(root, 'home', '.npm', '_npx', '0a1b2c3d4e5f6789', 'node_modules');
mkdirSync(join(npxLinked, '@srhooks'), { recursive: true });
symlinkSync(join(checkout, 'apps', 'cli'), join(npxLinked, '@srhooks', 'cli'));
mkdirSync(join(npxLinked, '.bin'));
symlinkSync('../@srhooks/cli/dist/cli.js', join(npxLinked, '.bin', 'srhooks'));
/**
 * What npm 11 puts in the environment of the command `npx`/`npm exec` runs: npm_command (lib/npm.js
 * `process.env.npm_command = this.command`), npm_lifecycle_event 'npx' and npm_lifecycle_script
 * (libnpmexec/lib/run-script.js runs the bin as the script `npx`, its name single-quoted;
 * @npmcli/run-script/lib/make-spawn-args.js sets both), npm_execpath and npm_config_user_agent
 * (@npmcli/config/lib/set-envs.js). Values as seen with npm 11.19.1 on Node 20.
 */
const NPX_ENV = {
  npm_command: 'exec',
  npm_lifecycle_event: 'npx',
  npm_lifecycle_script: "'srhooks'",
  npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
  npm_node_execpath: '/usr/bin/node',
  npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
};
/** `npm run tour` of a project script `"tour": "srhooks demo"`, as npm 11.19.1 sets it (seen with `env`). */
const NPM_RUN_TOUR_ENV = {
  npm_command: 'run',
  npm_lifecycle_event: 'tour',
  npm_lifecycle_script: 'srhooks demo',
  npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
};
const NPM_START_ENV = { ...NPM_RUN_TOUR_ENV, npm_command: 'start', npm_lifecycle_event: 'start' };
// npx of a package installed in the project: the project's node_modules/.bin/srhooks
const project = join(root, 'my-shop-app');
file(join(project, 'package.json'), JSON.stringify({ name: 'my-shop-app' }));
const projectCli = file(join(project, 'node_modules', '@srhooks', 'cli', 'dist', 'cli.js'));
mkdirSync(join(project, 'node_modules', '.bin'));
symlinkSync('../@srhooks/cli/dist/cli.js', join(project, 'node_modules', '.bin', 'srhooks'));
const projectBin = join(project, 'node_modules', '.bin', 'srhooks');
// pnpm 12 (a native binary: no JavaScript source to read) sets only npm_config_user_agent for
// `pnpm dlx`, and `pnpm exec` adds PNPM_PACKAGE_NAME; `pnpm dlx` installs into
// `<cache>/dlx/<32 hex>/<id>/node_modules` and argv[1] is the package's file there. Seen with
// pnpm 12.4.2 (`pnpm dlx <dir>`, `pnpm exec <file>`).
const PNPM_AGENT = 'pnpm/12.4.2 npm/? node/? linux x64';
const dlxCli = file(
  join(
    root,
    'home',
    '.cache',
    'pnpm',
    'dlx',
    'a956197e097b7a0c5fd010de20030cac',
    'mx8jpxt1-8f2',
    'node_modules',
    '@srhooks',
    'cli',
    'dist',
    'cli.js',
  ),
);
const pnpmProjectCli = file(
  join(
    project,
    'node_modules',
    '.pnpm',
    '@srhooks+cli@0.1.0',
    'node_modules',
    '@srhooks',
    'cli',
    'dist',
    'cli.js',
  ),
);

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
    ['npx @srhooks/cli demo (the bin in npm’s npx cache)', NPX_ENV, npxBin, 'npx @srhooks/cli'],
    ['a bin in npm’s npx cache, environment cleared', {}, npxBin, 'npx @srhooks/cli'],
    ['the package file in npm’s npx cache (a shim ran it by path)', NPX_ENV, npxCli, 'npx @srhooks/cli'],
    [
      'npx on Windows (the .cmd shim runs node with the package file)',
      NPX_ENV,
      'C:\\Users\\eva\\AppData\\Local\\npm-cache\\_npx\\1f2e3d4c5b6a7980\\node_modules\\@srhooks\\cli\\dist\\cli.js',
      'npx @srhooks/cli',
    ],
    ['npx of the package installed in the project', NPX_ENV, projectBin, 'npx @srhooks/cli'],
    ['the project’s node_modules/.bin/srhooks run by path (no npx)', {}, projectBin, 'srhooks'],
    ['the project’s package file run by npm start', { npm_lifecycle_event: 'start' }, projectCli, 'srhooks'],
    [
      'a project’s own npm script that runs srhooks ("tour": "srhooks demo", npm run tour)',
      NPM_RUN_TOUR_ENV,
      projectBin,
      'npx @srhooks/cli',
    ],
    [
      'npm start of a project whose start script runs the package file',
      NPM_START_ENV,
      projectCli,
      'npx @srhooks/cli',
    ],
    [
      'a project’s npm script that runs a global install',
      NPM_RUN_TOUR_ENV,
      join(global, 'bin', 'srhooks'),
      'srhooks',
    ],
    [
      'pnpm run tour in a project ("tour": "srhooks demo")',
      { npm_config_user_agent: PNPM_AGENT, npm_lifecycle_event: 'tour', npm_command: 'exec' },
      pnpmProjectCli,
      'pnpm exec srhooks',
    ],
    ['npx of a global install (npm runs the global bin)', NPX_ENV, join(global, 'bin', 'srhooks'), 'srhooks'],
    [
      'npx ./apps/cli demo in the checkout (linked into the npx cache, so not npx @srhooks/cli)',
      NPX_ENV,
      join(npxLinked, '.bin', 'srhooks'),
      'npm run srhooks --',
    ],
    ['pnpm dlx @srhooks/cli demo', { npm_config_user_agent: PNPM_AGENT }, dlxCli, 'pnpm dlx @srhooks/cli'],
    [
      'pnpm exec srhooks demo in a project',
      { npm_config_user_agent: PNPM_AGENT, PNPM_PACKAGE_NAME: 'my-shop-app' },
      pnpmProjectCli,
      'pnpm exec srhooks',
    ],
    [
      'pnpm srhooks demo in the checkout (its srhooks script)',
      { npm_config_user_agent: PNPM_AGENT, npm_lifecycle_event: 'srhooks' },
      checkoutCli,
      'npm run srhooks --',
    ],
    [
      'pnpm demo in the checkout (node apps/cli/dist/cli.js)',
      { npm_config_user_agent: PNPM_AGENT },
      checkoutCli,
      'npm run srhooks --',
    ],
  ] as const)('%s', (_case, env, script, expected) => {
    // run from the folder holding the script's apps/cli: a checkout's root, where `npm run srhooks --` works
    const cwd = script === undefined ? root : join(script, '..', '..', '..', '..');
    expect(cliPrefix(env, script, cwd)).toBe(expected);
  });

  it("suggests the script itself where npm run srhooks would not work: the checkout's CLI run from another folder", () => {
    const elsewhere = join(root, 'global');
    expect(cliPrefix({}, checkoutCli, elsewhere)).toBe(`node ${checkoutCli}`);
    // a path the shell would split is quoted
    const spaced = join(root, 'my clones', 'srhooks');
    file(join(spaced, 'package.json'), JSON.stringify({ name: 'srhooks', scripts: { srhooks: 'node x' } }));
    const spacedCli = file(join(spaced, 'apps', 'cli', 'dist', 'cli.js'));
    expect(cliPrefix({}, spacedCli, elsewhere)).toBe(`node '${spacedCli}'`);
    // the npm script itself runs inside the checkout whatever the folder: npm found it
    expect(cliPrefix({ npm_lifecycle_event: 'srhooks' }, checkoutCli, elsewhere)).toBe('npm run srhooks --');
  });
});

describe('commands named in messages, the way the CLI was started', () => {
  const names = ['login', 'webhooks', 'webhook', 'events', 'dead-letters', 'sandbox', 'app', 'url'];
  const checkout = commandMentions('npm run srhooks --', names);

  it('writes each command mention with the prefix', () => {
    expect(checkout('run srhooks login --shop acme --client-id … (or set SRHOOKS_CLIENT_ID)')).toBe(
      'run npm run srhooks -- login --shop acme --client-id … (or set SRHOOKS_CLIENT_ID)',
    );
    expect(checkout('see `srhooks events show 42`, then srhooks dead-letters list')).toBe(
      'see `npm run srhooks -- events show 42`, then npm run srhooks -- dead-letters list',
    );
    expect(commandMentions('pnpm exec srhooks', names)('srhooks webhook list')).toBe(
      'pnpm exec srhooks webhook list',
    );
    // a coloured mention: the colour code ends in a letter
    expect(checkout('run \x1b[1msrhooks login\x1b[22m')).toBe('run \x1b[1mnpm run srhooks -- login\x1b[22m');
  });

  it("inside a command substitution, keeps npm's banner out of the captured output (npm run -s)", () => {
    // `--to "$(npm run srhooks -- url …)"` would capture npm's "> srhooks" banner lines with the URL
    expect(
      checkout('e.g. --to "$(srhooks url --shop demo --event order_confirm --base http://127.0.0.1:4750)"'),
    ).toBe(
      'e.g. --to "$(npm run -s srhooks -- url --shop demo --event order_confirm --base http://127.0.0.1:4750)"',
    );
    expect(commandMentions('pnpm exec srhooks', names)('--url "$(srhooks webhook list)"')).toBe(
      '--url "$(pnpm exec srhooks webhook list)"',
    );
  });

  it('leaves alone what is not a command mention, or one already written with its prefix', () => {
    for (const text of [
      'npm run srhooks -- login --shop acme',
      'pnpm exec srhooks events list',
      'npx @srhooks/cli sandbox order',
      'pnpm dlx @srhooks/cli sandbox order',
      'the srhooks receiver answered 503',
      'srhooks application settings',
      'saved to /home/me/.config/srhooks login.json',
      'https://example.com/srhooks events',
      'srhooks-events list',
      'srhooks events-log',
    ]) {
      expect(checkout(text)).toBe(text);
    }
  });

  it('changes nothing when the CLI runs as the srhooks bin', () => {
    expect(commandMentions('srhooks', names)('run srhooks login --shop acme')).toBe(
      'run srhooks login --shop acme',
    );
  });

  it('leaves the name of a thing (productName) as it is and drops its mark, whatever the prefix', () => {
    const text = `${productName('sandbox')} refused ${productName('sandbox')}'s token: restart srhooks sandbox --port 4700`;
    expect(checkout(text)).toBe(
      "srhooks sandbox refused srhooks sandbox's token: restart npm run srhooks -- sandbox --port 4700",
    );
    expect(commandMentions('srhooks', names)(`not a ${productName('sandbox')}`)).toBe(
      'not a srhooks sandbox',
    );
  });
});
