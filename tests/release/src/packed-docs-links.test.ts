/**
 * The Markdown a published package ships (README, docs/, examples/…) is read where it was
 * installed: in node_modules, in an editor, on the registry's page. A relative link there must
 * resolve inside the package: a link to another package's file (`../../apps/receiver/docs/x.md`) or
 * to a file only the repository has (`../Dockerfile`, `reliability/README.md`) is dangling once
 * packed. This lists each package's tarball as `pnpm pack` makes it (`--dry-run --json`: the same
 * `files` rules, nothing written) and checks every relative link of every shipped `.md` file with
 * the repository's link checker (tests/repository, markdown-links.ts): the file is in the tarball,
 * and its `#anchor` is a heading there.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokenLinks } from '../../repository/src/markdown-links.js';
import { cleanEnv, runOrThrow } from './run-process.js';
import { PUBLISHED_PACKAGES, type PublishedPackage, pnpmCommand } from './workspace.js';

/** The paths (relative to the package folder) `pnpm pack` puts in the tarball. */
async function packedFiles(pkg: PublishedPackage): Promise<Set<string>> {
  const [command, prefix] = pnpmCommand();
  const { stdout } = await runOrThrow(command, [...prefix, 'pack', '--dry-run', '--json'], {
    cwd: pkg.dir,
    env: cleanEnv({ NO_COLOR: '1' }),
    timeoutMs: 120_000,
  });
  // the prepack script's "$ node …" line comes first on stdout
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { files: { path: string }[] };
  return new Set(report.files.map((file) => file.path));
}

/** The broken relative links of the shipped Markdown of a package whose tarball holds `packed`. */
function danglingLinks(packed: Set<string>, read: (path: string) => string): string[] {
  const markdown = new Map(
    [...packed].filter((path) => path.endsWith('.md')).map((path) => [path, read(path)] as const),
  );
  const exists = (path: string) =>
    packed.has(path) || [...packed].some((file) => file.startsWith(`${path}/`));
  return brokenLinks(markdown, exists, () => undefined, 'the package');
}

describe('the check itself', () => {
  it('reports a link to a file the repository has but the tarball leaves out, and one out of the package', () => {
    const texts: Record<string, string> = {
      'README.md': '[ops](docs/operations.md) [dev](reliability/README.md) [cli](../cli/README.md)\n',
      'docs/operations.md': '# Operations\n\n[back](../README.md) [image](../Dockerfile#L1)\n',
    };
    const problems = danglingLinks(new Set(['README.md', 'docs/operations.md', 'dist/index.js']), (path) => {
      const text = texts[path];
      if (text === undefined) throw new Error(`${path} is not a fixture`);
      return text;
    });
    expect(problems).toEqual([
      'README.md:1: reliability/README.md: no such file or folder reliability/README.md',
      'README.md:1: ../cli/README.md: leaves the package',
      'docs/operations.md:3: ../Dockerfile#L1: no such file or folder Dockerfile',
    ]);
  });
});

describe.each(PUBLISHED_PACKAGES.map((pkg) => [pkg.name, pkg] as const))('%s', (_name, pkg) => {
  it('every relative link of its shipped Markdown resolves inside its tarball', async () => {
    const packed = await packedFiles(pkg);
    expect(packed.has('README.md')).toBe(true);
    expect(danglingLinks(packed, (path) => readFileSync(join(pkg.dir, path), 'utf8'))).toEqual([]);
  });
});
