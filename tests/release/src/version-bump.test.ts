/**
 * One version for all published packages, bumped by one command: `pnpm version-packages`
 * (`changeset version`) with the `fixed` group of .changeset/config.json. Run on a copy of the
 * workspace's manifests in a temporary folder, so the repository is never changed.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOrThrow } from './run-process.js';
import { PUBLISHED_PACKAGES, REPO_ROOT, readManifest } from './workspace.js';

const CHANGESET_BIN = join(REPO_ROOT, 'node_modules/@changesets/cli/bin.js');
const PRIVATE_PACKAGE = 'tests/release';
let copy: string;

function nextMinor(version: string): string {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return `${major}.${minor + 1}.0`;
}

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'srhooks-version-'));
  for (const file of ['package.json', 'pnpm-workspace.yaml', '.changeset/config.json']) {
    mkdirSync(join(copy, file, '..'), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(copy, file));
  }
  for (const path of [...PUBLISHED_PACKAGES.map((pkg) => pkg.path), PRIVATE_PACKAGE]) {
    mkdirSync(join(copy, path), { recursive: true });
    cpSync(join(REPO_ROOT, path, 'package.json'), join(copy, path, 'package.json'));
  }
  // A change to one package only: the fixed group must carry every published package along.
  writeFileSync(
    join(copy, '.changeset', 'client-change.md'),
    '---\n"@srhooks/client": minor\n---\n\nA new option.\n',
  );
  // `pnpm version-packages` runs exactly this.
  expect(readManifest(REPO_ROOT).scripts?.['version-packages']).toBe('changeset version');
  await runOrThrow(process.execPath, [CHANGESET_BIN, 'version'], { cwd: copy, timeoutMs: 60_000 });
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('pnpm version-packages', () => {
  it('gives every published package the same new version, with a changelog entry', () => {
    const before = PUBLISHED_PACKAGES.map((pkg) => readManifest(pkg.dir).version);
    expect(new Set(before).size).toBe(1);
    const expected = nextMinor(before[0] ?? '');
    for (const pkg of PUBLISHED_PACKAGES) {
      expect(readManifest(join(copy, pkg.path)).version, pkg.name).toBe(expected);
      expect(readFileSync(join(copy, pkg.path, 'CHANGELOG.md'), 'utf8')).toContain(`## ${expected}`);
    }
    expect(existsSync(join(copy, '.changeset', 'client-change.md'))).toBe(false);
  });

  it('keeps workspace:* ranges (pnpm pack turns them into the new version) and leaves private packages alone', () => {
    for (const pkg of PUBLISHED_PACKAGES) {
      const { dependencies = {} } = readManifest(join(copy, pkg.path));
      for (const [name, range] of Object.entries(dependencies)) {
        if (name.startsWith('@srhooks/')) expect(range, `${pkg.name} → ${name}`).toBe('workspace:*');
      }
    }
    const untouched = readManifest(join(REPO_ROOT, PRIVATE_PACKAGE)).version;
    expect(readManifest(join(copy, PRIVATE_PACKAGE)).version).toBe(untouched);
    expect(existsSync(join(copy, PRIVATE_PACKAGE, 'CHANGELOG.md'))).toBe(false);
  });
});
