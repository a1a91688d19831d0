/**
 * `npm pack` / `npm publish` copy package.json as it is: the `workspace:*` and `catalog:` ranges
 * would reach the registry, and npm cannot install such a tarball (EUNSUPPORTEDPROTOCOL). Every
 * published package's `prepack` (scripts/pack-with-pnpm.mjs) refuses any packer but pnpm, saying
 * how to pack it; `pnpm pack` itself is exercised by packed-install.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { cleanEnv, runProcess } from './run-process.js';
import { PUBLISHED_PACKAGES, readManifest } from './workspace.js';

describe.each(PUBLISHED_PACKAGES.map((pkg) => [pkg.name, pkg] as const))('%s', (_name, pkg) => {
  it('npm pack is refused before anything is packed, naming pnpm pack (its manifest has workspace:/catalog: ranges)', async () => {
    const ranges = Object.values({ ...readManifest(pkg.dir).dependencies });
    expect(ranges.some((range) => /^(workspace|catalog):/.test(range))).toBe(true);
    const result = await runProcess('npm', ['pack', '--dry-run', '--json'], {
      cwd: pkg.dir,
      env: cleanEnv({ NO_COLOR: '1' }),
      timeoutMs: 60_000,
    });
    expect(result.code, result.stdout).not.toBe(0);
    expect(result.stderr).toContain(`${pkg.name}: pack it with pnpm, not npm/`);
    expect(result.stderr).toMatch(/npx -y pnpm@\d+\.\d+\.\d+ pack/);
  });
});
