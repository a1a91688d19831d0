/**
 * What a published package's manifest must say (publint, run on the tarballs in
 * packed-install.test.ts, checks that what it says is true): public, one shared version, the
 * metadata a registry page shows, Node 20+, typed ESM exports, and a README and LICENSE beside it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_PACKAGES, REPO_ROOT, readManifest } from './workspace.js';

describe('published package manifests', () => {
  it('share one version', () => {
    expect(new Set(PUBLISHED_PACKAGES.map((pkg) => readManifest(pkg.dir).version)).size).toBe(1);
  });

  describe.each(PUBLISHED_PACKAGES.map((pkg) => [pkg.name, pkg] as const))('%s', (_name, pkg) => {
    const manifest = readManifest(pkg.dir);

    it('is public, with description, license, repository, engines and publishConfig', () => {
      expect(manifest.private).toBeUndefined();
      expect(manifest).toMatchObject({
        description: expect.stringMatching(/\S{10,}/),
        license: 'MIT',
        repository: { type: 'git', url: expect.stringMatching(/^git\+https:\/\//), directory: pkg.path },
        engines: { node: '>=20' },
        type: 'module',
        publishConfig: { access: 'public' },
      });
    });

    it('exports typed ESM from dist and ships dist (and src for the source maps), never tests', () => {
      expect(manifest.exports).toMatchObject({
        '.': { types: './dist/index.d.ts', default: './dist/index.js' },
        './package.json': './package.json',
      });
      expect(manifest.files).toEqual(
        expect.arrayContaining(['dist', 'src', '!src/**/*.test.ts', '!src/**/test-support/**']),
      );
    });

    it('has a README and the repository LICENSE', () => {
      expect(existsSync(join(pkg.dir, 'README.md'))).toBe(true);
      expect(readFileSync(join(pkg.dir, 'LICENSE'), 'utf8')).toBe(
        readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'),
      );
    });

    it('uses workspace:* for its @srhooks dependencies (pnpm pack writes the real version)', () => {
      for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
        if (name.startsWith('@srhooks/')) expect(range, name).toBe('workspace:*');
      }
    });
  });
});
