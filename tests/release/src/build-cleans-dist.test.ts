/**
 * `pnpm pack` ships whatever is in `dist/`. tsc only writes, so a source file removed or renamed
 * since the last build would leave its old `.js` and `.d.ts` there, shipped and still reachable by a
 * deep import. Every published package's `build` script must start from an empty `dist/` (the tsc
 * packages: `scripts/clean-dist.mjs` first; the CLI: tsup's `clean: true`).
 *
 * Each package's real build — its package.json `build` script, tsconfig files, tsup config, native
 * addon sources, the repository's scripts/ and tsconfig.base.json — runs on a copy under
 * os.tmpdir() (the checkout's own dist/ is what other tests run, and stays untouched), with a
 * one-line src/ instead of the real one (the build's steps are what is checked, not the code) and
 * the package's node_modules linked in. A dist/ left by an "earlier build" holds files no source
 * produces any more; after `npm run build` they are gone and the new dist/index.js is there.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, runOrThrow } from './run-process.js';
import { PUBLISHED_PACKAGES, REPO_ROOT } from './workspace.js';

/** What an earlier build left: a removed module, its declarations, a renamed folder's file. */
const STALE = ['removed-module.js', 'removed-module.d.ts', 'renamed/old-name.js'];

const scratch = mkdtempSync(join(tmpdir(), 'srhooks-build-clean-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** The package's build inputs, copied to `root/<pkg.path>`, with a one-line src/ and its node_modules linked. */
function copyBuild(root: string, pkg: (typeof PUBLISHED_PACKAGES)[number]): string {
  cpSync(join(REPO_ROOT, 'tsconfig.base.json'), join(root, 'tsconfig.base.json'));
  cpSync(join(REPO_ROOT, 'scripts'), join(root, 'scripts'), { recursive: true });
  const dir = join(root, pkg.path);
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsup.config.ts']) {
    if (existsSync(join(pkg.dir, file))) cpSync(join(pkg.dir, file), join(dir, file));
  }
  if (existsSync(join(pkg.dir, 'scripts'))) {
    cpSync(join(pkg.dir, 'scripts'), join(dir, 'scripts'), { recursive: true });
  }
  if (existsSync(join(pkg.dir, 'native'))) {
    // the addon's sources, not the checkout's node-gyp output
    cpSync(join(pkg.dir, 'native'), join(dir, 'native'), {
      recursive: true,
      filter: (source) => !source.startsWith(join(pkg.dir, 'native', 'build')),
    });
  }
  symlinkSync(join(pkg.dir, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'src', 'index.ts'), 'export const built: boolean = true;\n');
  // the CLI's tsup entries are cli.ts and index.ts
  writeFileSync(join(dir, 'src', 'cli.ts'), "#!/usr/bin/env node\nconsole.log('srhooks');\n");
  return dir;
}

describe.each(PUBLISHED_PACKAGES.map((pkg) => [pkg.name, pkg] as const))('%s', (_name, pkg) => {
  it('its build empties dist first: files of an earlier build that no source makes any more are not shipped', async () => {
    const root = join(scratch, pkg.name.replace(/^@/, '').replace('/', '-'));
    const dir = copyBuild(root, pkg);
    for (const file of STALE) {
      mkdirSync(join(dir, 'dist', file, '..'), { recursive: true });
      writeFileSync(join(dir, 'dist', file), '// left by an earlier build\n');
    }
    await runOrThrow('npm', ['run', 'build'], {
      cwd: dir,
      env: cleanEnv({ NO_COLOR: '1' }),
      timeoutMs: 180_000,
    });
    expect(existsSync(join(dir, 'dist', 'index.js')), 'the build wrote dist/index.js').toBe(true);
    expect(STALE.filter((file) => existsSync(join(dir, 'dist', file)))).toEqual([]);
  });
});
