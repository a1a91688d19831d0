/**
 * What a published package's manifest must say (publint, run on the tarballs in
 * packed-install.test.ts, checks that what it says is true): public, one shared version, the
 * metadata a registry page shows, the oldest Node they run on, typed ESM exports, and a README and LICENSE beside it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ENGINE_PINS, PUBLISHED_PACKAGES, REPO_ROOT, readManifest } from './workspace.js';

/** Whether package `name`, as `dir` resolves it, ships its own declarations. */
function hasOwnTypes(dir: string, name: string): boolean {
  const require = createRequire(join(dir, 'package.json'));
  let root: string;
  try {
    root = dirname(require.resolve(`${name}/package.json`));
  } catch {
    // a package whose exports hide package.json: find its folder from its main entry
    root = dirname(require.resolve(name));
    while (!existsSync(join(root, 'package.json'))) root = dirname(root);
  }
  const manifest = readManifest(root);
  if (typeof manifest.types === 'string' || typeof manifest.typings === 'string') return true;
  if (JSON.stringify(manifest.exports ?? {}).includes('"types"')) return true;
  if (existsSync(join(root, 'index.d.ts'))) return true;
  // declarations beside the entry file (dist/index.cjs + dist/index.d.cts), as TypeScript finds them
  const entry = require.resolve(name);
  const stem = entry.replace(/\.[cm]?js$/, '');
  return ['.d.ts', '.d.mts', '.d.cts'].some((extension) => existsSync(`${stem}${extension}`));
}

describe('published package manifests', () => {
  it('share one version', () => {
    expect(new Set(PUBLISHED_PACKAGES.map((pkg) => readManifest(pkg.dir).version)).size).toBe(1);
  });

  it('share one oldest Node, named as a full version (the Node packed-install.test.ts runs them on)', () => {
    // Each package's engines.node admits what its own installed tree admits (dependency-engines.test.ts):
    // the receiver and the CLI install better-sqlite3, whose releases name the Node majors they support.
    const engines = PUBLISHED_PACKAGES.map(
      (pkg) => (readManifest(pkg.dir).engines as { node?: string }).node ?? '',
    );
    for (const range of engines) expect(range).toMatch(/^(>=|\^)\d+\.\d+\.\d+( \|\| .+)?$/);
    expect(new Set(engines.map((range) => semver.minVersion(range)?.version)).size).toBe(1);
  });

  describe.each(PUBLISHED_PACKAGES.map((pkg) => [pkg.name, pkg] as const))('%s', (_name, pkg) => {
    const manifest = readManifest(pkg.dir);

    it('is public, with description, license, repository, engines and publishConfig', () => {
      expect(manifest.private).toBeUndefined();
      expect(manifest).toMatchObject({
        description: expect.stringMatching(/\S{10,}/),
        license: 'MIT',
        repository: { type: 'git', url: expect.stringMatching(/^git\+https:\/\//), directory: pkg.path },
        engines: { node: expect.stringMatching(/^(>=|\^)20\.\d+\.\d+/) },
        type: 'module',
        publishConfig: { access: 'public' },
      });
    });

    it('exports typed ESM from dist and ships dist, and src only for the source maps (never tests)', () => {
      expect(manifest.exports).toMatchObject({
        '.': { types: './dist/index.d.ts', default: './dist/index.js' },
        './package.json': './package.json',
      });
      expect(manifest.files).toContain('dist');
      // tsc's packages map dist back to src (source and declaration maps); the CLI's tsup bundle has no
      // maps, so its src would be 0.6 MB of TypeScript nothing reads
      const maps = (readdirSync(join(pkg.dir, 'dist'), { recursive: true }) as string[]).filter((file) =>
        file.endsWith('.map'),
      );
      if (maps.length > 0) {
        expect(manifest.files).toEqual(
          expect.arrayContaining(['src', '!src/**/*.test.ts', '!src/**/test-support/**']),
        );
      } else {
        expect(manifest.files, 'src shipped without source maps pointing into it').not.toContain('src');
      }
    });

    it('has a README and the repository LICENSE', () => {
      expect(existsSync(join(pkg.dir, 'README.md'))).toBe(true);
      expect(readFileSync(join(pkg.dir, 'LICENSE'), 'utf8')).toBe(
        readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'),
      );
    });

    it("declares @types/node as an optional peer when its published .d.ts use Node's types", () => {
      const declarations = (readdirSync(join(pkg.dir, 'dist'), { recursive: true }) as string[])
        .filter((file) => file.endsWith('.d.ts'))
        .map((file) => readFileSync(join(pkg.dir, 'dist', file), 'utf8'));
      expect(declarations.length).toBeGreaterThan(0);
      const usesNode = declarations.some((text) => /from ['"]node:|\bBuffer\b|\bNodeJS\./.test(text));
      if (!usesNode) return;
      // The well-trodden way (vite, vitest): an optional peer, so TypeScript users are told and
      // JavaScript users install nothing extra.
      expect(manifest.peerDependencies).toMatchObject({ '@types/node': '>=20' });
      expect(manifest.peerDependenciesMeta).toMatchObject({ '@types/node': { optional: true } });
      expect(readFileSync(join(pkg.dir, 'README.md'), 'utf8')).toContain('@types/node');
    });

    it('declares where the types its published .d.ts import come from: a dependency with its own types, or @types/X as a dependency or optional peer', () => {
      // A .d.ts importing `pg` (whose types live in @types/pg) fails a consumer's type-check under
      // skipLibCheck: false with TS7016 unless the manifest tells them to install @types/pg, and
      // silently turns those types into `any` under skipLibCheck: true.
      const imported = new Set<string>();
      for (const file of readdirSync(join(pkg.dir, 'dist'), { recursive: true }) as string[]) {
        if (!file.endsWith('.d.ts')) continue;
        const text = readFileSync(join(pkg.dir, 'dist', file), 'utf8');
        for (const [, specifier = ''] of text.matchAll(
          /(?:\bfrom\s+|\bimport\(\s*)['"]([^'".][^'"]*)['"]/g,
        )) {
          if (specifier.startsWith('node:') || isBuiltin(specifier)) continue;
          const parts = specifier.split('/');
          const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
          if (name !== manifest.name) imported.add(name);
        }
      }
      const dependencies = { ...manifest.dependencies };
      const peers = (manifest.peerDependencies ?? {}) as Record<string, string>;
      const peerMeta = (manifest.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>;
      const missing: string[] = [];
      for (const name of imported) {
        if (!(name in dependencies) && !(name in peers)) {
          missing.push(`${name}: imported by the .d.ts but neither a dependency nor a peer`);
          continue;
        }
        if (hasOwnTypes(pkg.dir, name)) continue;
        const typesName = `@types/${name.replace(/^@/, '').replace('/', '__')}`;
        const declared = typesName in dependencies || (typesName in peers && peerMeta[typesName]?.optional);
        if (!declared) missing.push(`${name}: its types are ${typesName}, not declared`);
      }
      expect(missing).toEqual([]);
    });

    it("declares the optional @types peers of the @srhooks packages its .d.ts import (their declarations are checked in the consumer's project too)", () => {
      // @srhooks/cli's dist/index.d.ts imports @srhooks/receiver, whose declarations import pg and
      // better-sqlite3: a TypeScript user of the CLI's library with skipLibCheck: false needs
      // @types/pg and @types/better-sqlite3 as much as a user of the receiver does (TS7016).
      const imported = new Set<string>();
      for (const file of readdirSync(join(pkg.dir, 'dist'), { recursive: true }) as string[]) {
        if (!file.endsWith('.d.ts')) continue;
        const text = readFileSync(join(pkg.dir, 'dist', file), 'utf8');
        for (const [, name = ''] of text.matchAll(/(?:\bfrom\s+|\bimport\(\s*)['"](@srhooks\/[^'"/]+)/g)) {
          if (name !== manifest.name) imported.add(name);
        }
      }
      const peers = (manifest.peerDependencies ?? {}) as Record<string, string>;
      const peerMeta = (manifest.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>;
      const missing: string[] = [];
      for (const name of imported) {
        const other = PUBLISHED_PACKAGES.find((candidate) => candidate.name === name);
        if (!other) continue;
        const otherManifest = readManifest(other.dir);
        const otherMeta = (otherManifest.peerDependenciesMeta ?? {}) as Record<
          string,
          { optional?: boolean }
        >;
        for (const peer of Object.keys(otherManifest.peerDependencies ?? {})) {
          if (!peer.startsWith('@types/') || !otherMeta[peer]?.optional) continue;
          if (!(peer in peers) || !peerMeta[peer]?.optional)
            missing.push(`${peer} (an optional peer of ${name})`);
        }
      }
      expect(missing).toEqual([]);
    });

    it('ships the docs/ files its messages point users to (the receiver ships those the others name)', () => {
      const sources = (readdirSync(join(pkg.dir, 'src'), { recursive: true }) as string[]).filter(
        (file) => file.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(file) && !file.includes('test-support'),
      );
      const receiver = PUBLISHED_PACKAGES.find((other) => other.name === '@srhooks/receiver');
      if (!receiver) throw new Error('@srhooks/receiver is not a published package');
      // "receiver docs/operations.md", "the receiver's docs/…": the receiver's; a bare "docs/…": this package's
      const named = sources.flatMap((file) =>
        [
          ...readFileSync(join(pkg.dir, 'src', file), 'utf8').matchAll(
            /(\breceiver(?:'s|\\'s)? )?\bdocs\/[a-z-]+\.md\b/g,
          ),
        ].map((match) => ({
          owner: match[1] === undefined ? pkg : receiver,
          path: match[0].slice(match[1]?.length ?? 0),
        })),
      );
      if (pkg.name === '@srhooks/receiver') expect(named.length).toBeGreaterThan(0);
      for (const { owner, path } of named) {
        expect(existsSync(join(owner.dir, path)), `${pkg.name} names ${owner.name}'s ${path}: missing`).toBe(
          true,
        );
        expect(
          readManifest(owner.dir).files,
          `${pkg.name} names ${owner.name}'s ${path}, but its "files" leave docs out`,
        ).toContain('docs');
      }
    });

    it('depends only on what its dist names (a dependency nothing loads is installed for nothing)', () => {
      // named as a quoted module specifier anywhere in dist: import, import(), require() or a lazy loader
      // (the receiver's lazyDependency('amqplib')); a package bundled into dist (the CLI's commander) is
      // a dev dependency of the build, not the user's; an engine pin (ENGINE_PINS) is loaded by a
      // dependency, and is there to hold that dependency's copy at a version that installs on our Node
      const text = (readdirSync(join(pkg.dir, 'dist'), { recursive: true }) as string[])
        .filter((file) => /\.(js|d\.ts)$/.test(file))
        .map((file) => readFileSync(join(pkg.dir, 'dist', file), 'utf8'))
        .join('\n');
      const unused = Object.keys(manifest.dependencies ?? {}).filter(
        (name) =>
          !ENGINE_PINS[name]?.heldFor.includes(manifest.name) &&
          !['"', "'"].some(
            (quote) => text.includes(`${quote}${name}${quote}`) || text.includes(`${quote}${name}/`),
          ),
      );
      expect(unused).toEqual([]);
    });

    it('uses workspace:* for its @srhooks dependencies (pnpm pack writes the real version)', () => {
      for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
        if (name.startsWith('@srhooks/')) expect(range, name).toBe('workspace:*');
      }
    });
  });
});
