/**
 * The published packages, proved outside the repository: packed with `pnpm pack`, installed with
 * npm into a scratch folder under os.tmpdir() (see packed-install.ts), then used as a user would —
 * the `srhooks` bin, a TypeScript app importing @srhooks/client and @srhooks/contracts — and
 * checked with publint and Are The Types Wrong. One pack and one install serve every check.
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oldestAdmittedNode, productionDependencyTree, refusingNode } from './dependency-tree.js';
import { installPackedPackages, type PackedInstall } from './packed-install.js';
import {
  cleanEnv,
  type ProcessResult,
  type RunningProcess,
  runProcess,
  startProcess,
} from './run-process.js';
import { PUBLISHED_PACKAGES, REPO_ROOT, readManifest } from './workspace.js';

const CONSUMER_DIR = join(REPO_ROOT, 'tests/release/consumer');
const BIN = join(REPO_ROOT, 'tests/release/node_modules/.bin');
const SECRET = 'packed-check-secret-0123456789';

let install: PackedInstall;
let configDir: string;
const running: RunningProcess[] = [];

/** A clean environment for the installed CLI: no SRHOOKS_* of the developer, its own config dir. */
function cliEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', SRHOOKS_CONFIG_DIR: configDir };
}

function srhooks(args: string[]) {
  return runProcess(install.bin, args, { cwd: install.dir, env: cliEnv(), timeoutMs: 90_000 });
}

function startSrhooks(args: string[]): RunningProcess {
  const child = startProcess(install.bin, args, { cwd: install.dir, env: cliEnv() });
  running.push(child);
  return child;
}

beforeAll(async () => {
  install = await installPackedPackages();
  configDir = join(install.dir, 'config');
}, 1_200_000);

afterAll(async () => {
  await Promise.all(running.map((child) => child.stop('SIGINT')));
  if (install) rmSync(install.dir, { recursive: true, force: true });
});

describe('the packed packages installed with npm outside the repository', () => {
  it('come from their tarballs, not the workspace: real folders, real versions, no workspace: or catalog: ranges', () => {
    expect(relative(REPO_ROOT, install.dir).startsWith('..')).toBe(true);
    for (const pkg of PUBLISHED_PACKAGES) {
      const installed = join(install.dir, 'node_modules', pkg.name);
      expect(lstatSync(installed).isSymbolicLink(), `${pkg.name} is a link`).toBe(false);
      const manifest = readManifest(installed);
      expect(manifest.version).toBe(readManifest(pkg.dir).version);
      expect(manifest.private, `${pkg.name} is private`).toBeUndefined();
      const ranges = Object.values({ ...manifest.dependencies });
      expect(ranges.filter((range) => /^(workspace|catalog):/.test(range))).toEqual([]);
    }
  });

  it('installed as npm resolves them today, every package in their trees admits the oldest Node our engines.node does', () => {
    // the install itself ran with --engine-strict on this Node; a user's may run on the oldest one
    const minimum = oldestAdmittedNode();
    for (const pkg of PUBLISHED_PACKAGES) {
      const tree = productionDependencyTree(join(install.dir, 'node_modules', pkg.name));
      expect(tree.length).toBeGreaterThan(1);
      expect(refusingNode(tree, minimum), pkg.name).toEqual([]);
    }
  });

  it('srhooks --version prints the packages version', async () => {
    const result = await srhooks(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(readManifest(join(REPO_ROOT, 'apps/cli')).version);
  });

  it('srhooks fields reads the field catalogue from the installed contracts', async () => {
    const result = await srhooks(['fields', 'order_confirm', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { fields } = JSON.parse(result.stdout) as { fields: { field: string }[] };
    expect(fields.map((entry) => entry.field)).toContain('order_innerId');
  });

  it('srhooks url signs a receiver URL', async () => {
    const result = await srhooks([
      'url',
      '--shop',
      'demo',
      '--event',
      'order_confirm',
      '--base',
      'https://hooks.example.com',
      '--secret',
      SECRET,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(
      /^https:\/\/hooks\.example\.com\/hooks\/demo\/order_confirm\/[\w-]{43}$/,
    );
  });

  it('sandbox, login, listen, webhooks create, sandbox order and trigger: listen shows both deliveries', async () => {
    const sandbox = startSrhooks(['sandbox', '--port', '0', '--json']);
    const started = JSON.parse(await sandbox.waitForLine(/"type":"sandbox_started"/)) as {
      url: string;
      apiUrl: string;
      tokenUrl: string;
    };
    const login = await srhooks([
      'login',
      '--shop',
      'demo',
      '--client-id',
      'sandbox-demo-client',
      '--client-secret',
      'sandbox-demo-secret',
      '--api-url',
      `${started.url}/{shop}/api`,
      '--token-url',
      `${started.url}/{shop}/app/token`,
    ]);
    expect(login.code, login.stderr).toBe(0);

    // listen runs the installed @srhooks/receiver on SQLite: the better-sqlite3 addon loads.
    const listen = startSrhooks([
      'listen',
      '--port',
      '0',
      '--events',
      'order_confirm',
      '--secret',
      SECRET,
      '--json',
    ]);
    const listening = JSON.parse(await listen.waitForLine(/"type":"listening"/)) as {
      urls: { event: string; url: string }[];
    };
    const url = listening.urls.find((entry) => entry.event === 'order_confirm')?.url ?? '';
    expect(url).toMatch(/\/hooks\/demo\/order_confirm\//);

    const create = await srhooks(['webhooks', 'create', '--event', 'order_confirm', '--url', url]);
    expect(create.code, create.stderr).toBe(0);
    const order = await srhooks(['sandbox', 'order', '--sandbox-url', started.url, '--seed', '3', '--json']);
    expect(order.code, order.stderr).toBe(0);
    const innerId = String(
      (JSON.parse(order.stdout) as { subject: { innerId: string | number } }).subject.innerId,
    );
    const fromShop = JSON.parse(await listen.waitForLine(new RegExp(`"orderNumber":"${innerId}"`))) as object;
    expect(fromShop).toMatchObject({
      type: 'delivery',
      shop: 'demo',
      event: 'order_confirm',
      status: 'stored',
    });

    const trigger = await srhooks(['trigger', 'order_confirm', '--to', url, '--seed', 'packed', '--json']);
    expect(trigger.code, trigger.stderr).toBe(0);
    expect(JSON.parse(trigger.stdout)).toMatchObject({ ok: true, response: { status: 200 } });
    const lines = async () =>
      listen
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"type":"delivery"'));
    await expect.poll(lines, { timeout: 15_000 }).toHaveLength(2);

    expect(await listen.stop('SIGINT')).toBe(0);
    expect(await sandbox.stop('SIGINT')).toBe(0);
  });

  it("srhooks demo --once: the whole tour, with the receiver package's review-request example", async () => {
    const result = await runProcess(install.bin, ['demo', '--once', '--json'], {
      cwd: install.dir,
      env: cliEnv(),
      timeoutMs: 180_000,
    });
    expect(result.code, result.stderr).toBe(0);
    const demo = JSON.parse(result.stdout) as {
      allHandled: boolean;
      reviewRequests: { written: number } | null;
    };
    expect(demo.allHandled).toBe(true);
    expect(demo.reviewRequests?.written).toBeGreaterThan(0);
  });

  // engines.node is a promise to users: ">=20" let Node 20.0.0 install packages that call
  // AbortSignal.any (20.3) and import.meta.resolve (20.6). The oldest Node it allows, an official
  // build from npm's node-<platform>-<arch> package (npm's cache keeps it), runs the installed CLI.
  it.skipIf(!['linux', 'darwin'].includes(process.platform))(
    'runs on the oldest Node its engines.node allows: srhooks --version and demo --once (sandbox, receiver, client, example handler)',
    async () => {
      const cli = join(install.dir, 'node_modules/@srhooks/cli');
      const engines = readManifest(cli).engines as { node?: string } | undefined;
      const version = semver.minVersion(engines?.node ?? '')?.version;
      expect(version, `engines.node ${engines?.node}`).toBeDefined();
      const nodeDir = join(install.dir, `node-${version}`);
      mkdirSync(nodeDir, { recursive: true });
      const pack = await runProcess(
        'npm',
        [
          'pack',
          `node-${process.platform}-${process.arch}@${version}`,
          '--prefer-offline',
          '--loglevel=error',
          '--pack-destination',
          nodeDir,
        ],
        { cwd: nodeDir, env: cleanEnv(), timeoutMs: 180_000 },
      );
      expect(pack.code, pack.stderr).toBe(0);
      const tarball = pack.stdout.trim().split('\n').pop() ?? '';
      const untar = await runProcess('tar', ['-xzf', tarball], { cwd: nodeDir });
      expect(untar.code, untar.stderr).toBe(0);
      const oldNode = join(nodeDir, 'package/bin/node');
      const env = { ...cliEnv(), PATH: `${join(nodeDir, 'package/bin')}:${process.env.PATH}` };
      const run = (args: string[]) =>
        runProcess(oldNode, [join(cli, 'dist/cli.js'), ...args], {
          cwd: install.dir,
          env,
          timeoutMs: 180_000,
        });
      expect((await runProcess(oldNode, ['--version'], { cwd: install.dir })).stdout.trim()).toBe(
        `v${version}`,
      );
      const printed = await run(['--version']);
      expect(printed.code, printed.stderr).toBe(0);
      expect(printed.stdout.trim()).toBe(readManifest(cli).version);
      const demo = await run(['demo', '--once', '--json']);
      expect(demo.code, `${demo.stderr}\n${demo.stdout}`).toBe(0);
      const result = JSON.parse(demo.stdout) as {
        allHandled: boolean;
        reviewRequests: { written: number } | null;
      };
      expect(result.allHandled).toBe(true);
      expect(result.reviewRequests?.written, demo.stderr).toBeGreaterThan(0);
    },
    240_000,
  );

  it('the installed receiver runs on its own: node node_modules/@srhooks/receiver/dist/main.js', async () => {
    const receiver = startProcess(process.execPath, ['node_modules/@srhooks/receiver/dist/main.js'], {
      cwd: install.dir,
      env: {
        ...cliEnv(),
        HOST: '127.0.0.1',
        PORT: '0',
        SRHOOKS_SECRETS: SECRET,
        SRHOOKS_DB: join(install.dir, 'receiver.db'),
      },
    });
    running.push(receiver);
    const listening = await receiver.waitForLine(/Server listening at http:\/\/127\.0\.0\.1:\d+/);
    const origin = /http:\/\/127\.0\.0\.1:\d+/.exec(listening)?.[0] ?? '';
    const ready = await fetch(`${origin}/readyz`);
    expect(await ready.json()).toMatchObject({ ok: true, store: 'sqlite' });
    expect(await receiver.stop('SIGTERM')).toBe(0);
  });

  it("the receiver's memory-trim addon is built again on install when the packed one does not load in this node", async () => {
    const packageDir = join(install.dir, 'node_modules/@srhooks/receiver');
    const addon = join(packageDir, 'dist/native/memory_trim.node');
    const loads = () =>
      runProcess(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], {
        cwd: install.dir,
        env: cleanEnv(),
      });
    // The install kept the packed addon: it loads here (same Node, platform and C library).
    expect((await loads()).code).toBe(0);
    expect(existsSync(join(packageDir, 'scripts/build-native.mjs'))).toBe(true);
    // As one built for another Node version or platform would: present, but not loadable here.
    writeFileSync(addon, 'built for another node');
    expect((await loads()).code).not.toBe(0);
    const rebuilt = await runProcess('npm', ['rebuild', '@srhooks/receiver', '--loglevel=error'], {
      cwd: install.dir,
      env: cleanEnv(),
      timeoutMs: 180_000,
    });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stderr).not.toContain('was not built');
    expect((await loads()).code).toBe(0);
  }, 240_000);

  describe('a TypeScript app importing @srhooks/client and @srhooks/contracts', () => {
    let appDir: string;
    let tsc: string;
    /** The node16 check emits too (out/consumer.js): the run test uses that output. */
    let node16: ProcessResult;
    beforeAll(async () => {
      appDir = join(install.dir, 'app');
      tsc = join(install.dir, 'node_modules/.bin/tsc');
      mkdirSync(appDir, { recursive: true });
      for (const file of ['consumer.ts', 'tsconfig.node16.json', 'tsconfig.bundler.json']) {
        copyFileSync(join(CONSUMER_DIR, file), join(appDir, file));
      }
      node16 = await runProcess(tsc, ['-p', 'tsconfig.node16.json'], { cwd: appDir, timeoutMs: 180_000 });
    });

    it('type-checks under moduleResolution node16 (strict, library declarations checked too)', () => {
      expect(`${node16.stdout}${node16.stderr}`).toBe('');
      expect(node16.code).toBe(0);
    });

    it('type-checks under moduleResolution bundler', async () => {
      const result = await runProcess(tsc, ['-p', 'tsconfig.bundler.json'], {
        cwd: appDir,
        timeoutMs: 180_000,
      });
      expect(`${result.stdout}${result.stderr}`).toBe('');
      expect(result.code).toBe(0);
    });

    it('runs: registers a webhook on the sandbox and verifies the delivery with handleDelivery', async () => {
      expect(node16.code).toBe(0);
      const sandbox = startSrhooks(['sandbox', '--port', '0', '--json']);
      const { url } = JSON.parse(await sandbox.waitForLine(/"type":"sandbox_started"/)) as { url: string };
      const result = await runProcess(process.execPath, ['out/consumer.js'], {
        cwd: appDir,
        env: { ...cliEnv(), SANDBOX_URL: url },
        timeoutMs: 180_000,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({
        ok: true,
        shop: 'demo',
        event: 'order_confirm',
        orders: [expect.any(String)],
      });
      expect(await sandbox.stop('SIGINT')).toBe(0);
    });
  });

  it('a module handler file importing @srhooks/receiver type-checks with skipLibCheck: false and the optional type peers (receiver docs/operations.md)', async () => {
    const dir = join(install.dir, 'handlers-app');
    mkdirSync(dir, { recursive: true });
    for (const file of ['handlers.ts', 'tsconfig.handlers.json']) {
      copyFileSync(join(CONSUMER_DIR, file), join(dir, file));
    }
    const receiver = readManifest(join(install.dir, 'node_modules/@srhooks/receiver'));
    expect(receiver.peerDependencies).toMatchObject({
      '@types/pg': expect.any(String),
      '@types/better-sqlite3': expect.any(String),
    });
    const result = await runProcess(
      join(install.dir, 'node_modules/.bin/tsc'),
      ['-p', 'tsconfig.handlers.json'],
      { cwd: dir, timeoutMs: 180_000 },
    );
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.code).toBe(0);
  });

  describe.each(PUBLISHED_PACKAGES.map((pkg) => [pkg.name, pkg] as const))('%s tarball', (_name, pkg) => {
    it('publint reports nothing, not even a suggestion', async () => {
      const result = await runProcess(join(BIN, 'publint'), ['run', install.tarballs.get(pkg.name) ?? ''], {
        cwd: install.dir,
        env: cleanEnv({ NO_COLOR: '1' }),
      });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain('All good!');
    });

    it('Are The Types Wrong finds no problem for node16 (from ESM) and bundler resolution', async () => {
      // The packages are ESM only (README: ESM everywhere), so require() from CommonJS and node10
      // resolution are out of scope: the esm-only profile leaves those two out, and this test checks
      // that the problems attw lists are only of those two kinds. contracts' `./openapi.yaml` is a
      // YAML asset, not a module, so it has no types to check.
      const args = [install.tarballs.get(pkg.name) ?? '', '--profile', 'esm-only', '--format', 'json'];
      if (pkg.name === '@srhooks/contracts') args.push('--exclude-entrypoints', './openapi.yaml');
      const result = await runProcess(join(BIN, 'attw'), args, { cwd: install.dir });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const { analysis } = JSON.parse(result.stdout) as {
        analysis: {
          types: { kind: string };
          entrypoints: Record<string, unknown>;
          problems: { kind: string; entrypoint: string; resolutionKind?: string }[];
        };
      };
      expect(analysis.types.kind).toBe('included');
      expect(Object.keys(analysis.entrypoints)).toContain('.');
      const outOfScope = new Set(['node10', 'node16-cjs']);
      expect(analysis.problems.filter((problem) => !outOfScope.has(problem.resolutionKind ?? ''))).toEqual(
        [],
      );
    });

    it('carries the LICENSE of the repository', () => {
      expect(readFileSync(join(install.dir, 'node_modules', pkg.name, 'LICENSE'), 'utf8')).toBe(
        readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'),
      );
    });
  });
});
