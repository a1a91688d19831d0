/**
 * Packs every published package with `pnpm pack` (which turns `workspace:*` and `catalog:` into
 * real versions, as `pnpm publish` does) and installs the tarballs with plain npm in a scratch
 * folder under os.tmpdir(), outside the repository: what a user gets from the registry, with the
 * registry still serving the third-party dependencies (npm's own cache is reused between runs).
 *
 * better-sqlite3 installs through prebuild-install, which downloads a prebuilt addon from GitHub;
 * this machine cannot reach GitHub, and compiling it takes minutes on 2 cores. So the scratch
 * install is handed the addon the workspace already built from the same version, as the local
 * prebuild prebuild-install looks for first (`npm_config_better_sqlite3_local_prebuilds`): the
 * install runs exactly as a user's does, with the download answered locally.
 */
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cleanEnv, runOrThrow } from './run-process.js';
import { PUBLISHED_PACKAGES, pnpmCommand, REPO_ROOT, readManifest } from './workspace.js';

export interface PackedInstall {
  /** The scratch folder (under os.tmpdir()); holds `tarballs/` and the npm project. */
  readonly dir: string;
  /** Absolute tarball path per package name. */
  readonly tarballs: ReadonlyMap<string, string>;
  /** The installed `srhooks` bin (node_modules/.bin/srhooks). */
  readonly bin: string;
}

/** `pnpm pack` of every published package into `destination`. */
export async function packPublishedPackages(destination: string): Promise<Map<string, string>> {
  mkdirSync(destination, { recursive: true });
  const [command, prefix] = pnpmCommand();
  const tarballs = new Map<string, string>();
  for (const pkg of PUBLISHED_PACKAGES) {
    await runOrThrow(command, [...prefix, 'pack', '--pack-destination', destination], {
      cwd: pkg.dir,
      timeoutMs: 180_000,
    });
    tarballs.set(pkg.name, join(destination, pkg.tarball));
  }
  return tarballs;
}

/** The workspace's compiled better-sqlite3, packed the way prebuild-install expects a prebuild. */
async function localBetterSqlitePrebuild(destination: string): Promise<void> {
  const fromReceiver = createRequire(join(REPO_ROOT, 'apps/receiver/package.json'));
  const packageRoot = dirname(fromReceiver.resolve('better-sqlite3/package.json'));
  const { version } = readManifest(packageRoot);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  mkdirSync(destination, { recursive: true });
  await runOrThrow('tar', ['-czf', join(destination, name), 'build/Release/better_sqlite3.node'], {
    cwd: packageRoot,
  });
}

/** Exact versions the workspace uses, so npm's cache already holds them after the first run. */
function workspaceVersion(name: string): string {
  const fromHere = createRequire(import.meta.url);
  return readManifest(dirname(fromHere.resolve(`${name}/package.json`))).version;
}

/** Exact versions the receiver builds with (its dev dependencies), for its optional type peers. */
function receiverVersion(name: string): string {
  const fromReceiver = createRequire(join(REPO_ROOT, 'apps/receiver/package.json'));
  return readManifest(dirname(fromReceiver.resolve(`${name}/package.json`))).version;
}

export async function installPackedPackages(): Promise<PackedInstall> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'srhooks-packed-')));
  const tarballs = await packPublishedPackages(join(dir, 'tarballs'));
  const prebuilds = join(dir, 'prebuilds');
  await localBetterSqlitePrebuild(prebuilds);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'srhooks-packed-check', private: true, type: 'module' }, null, 2)}\n`,
  );
  // One install for every check: the five tarballs (the CLI's @srhooks dependencies are not on the
  // registry yet, so they come from their tarballs too) plus TypeScript and the type packages for
  // the consumer checks.
  await runOrThrow(
    'npm',
    [
      'install',
      // a user's engine-strict install: EBADENGINE from any package in the tree whose engines.node
      // leaves out this Node (dependency-engines.test.ts checks the oldest one ours admits)
      '--engine-strict',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      ...PUBLISHED_PACKAGES.map((pkg) => `./tarballs/${pkg.tarball}`),
      `typescript@${workspaceVersion('typescript')}`,
      `@types/node@${workspaceVersion('@types/node')}`,
      // the optional peers the receiver docs (operations.md) name for skipLibCheck: false (consumer/handlers.ts)
      `@types/pg@${receiverVersion('@types/pg')}`,
      `@types/better-sqlite3@${receiverVersion('@types/better-sqlite3')}`,
    ],
    {
      cwd: dir,
      timeoutMs: 1_080_000,
      env: cleanEnv({ npm_config_better_sqlite3_local_prebuilds: prebuilds }),
    },
  );
  return { dir, tarballs, bin: join(dir, 'node_modules', '.bin', 'srhooks') };
}
