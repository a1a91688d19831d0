/**
 * The repository as the release checks see it: where it is, which packages are published, and how
 * to run pnpm (the exact version `packageManager` names, through npx, as the root scripts do).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  packageManager?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

export interface PublishedPackage {
  readonly name: string;
  /** Folder inside the repository, e.g. `packages/client`. */
  readonly path: string;
  /** Absolute folder. */
  readonly dir: string;
  /** `srhooks-client-0.1.0.tgz`: the name `pnpm pack` gives the tarball. */
  readonly tarball: string;
}

/** The packages a user installs from the registry, in dependency order. */
export const PUBLISHED_PACKAGES: readonly PublishedPackage[] = [
  'packages/contracts',
  'packages/client',
  'apps/sandbox',
  'apps/receiver',
  'apps/cli',
].map((path) => {
  const dir = join(REPO_ROOT, path);
  const { name, version } = readManifest(dir);
  return { name, path, dir, tarball: `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz` };
});

/** `npx -y pnpm@X` with X from the root `packageManager` field. */
export function pnpmCommand(): [string, string[]] {
  const packageManager = readManifest(REPO_ROOT).packageManager;
  if (!packageManager?.startsWith('pnpm@')) throw new Error('the root package.json names no pnpm version');
  return ['npx', ['-y', packageManager]];
}

export interface EnginePin {
  /** The third-party package that depends on the pinned one (and would take a newer version). */
  readonly parent: string;
  /** The published packages whose `dependencies` hold the pin (each one that installs `parent`). */
  readonly heldFor: readonly string[];
  /** Why: which newer version leaves out the oldest Node our engines.node admits. */
  readonly why: string;
}

/**
 * Dependencies a published package declares only to hold a transitive one at a version that
 * installs on the oldest Node our engines.node admits: npm and pnpm take the already-placed pinned
 * copy for the parent's wider range, so an engine-strict install succeeds. Nothing in dist imports
 * them (manifests.test.ts lets them be); dependency-engines.test.ts checks each is still needed.
 */
export const ENGINE_PINS: Readonly<Record<string, EnginePin>> = {
  'light-my-request': {
    parent: 'fastify',
    heldFor: ['@srhooks/sandbox', '@srhooks/receiver'],
    why: 'light-my-request 6.8 depends on cookie@2, whose engines.node is >=22; 6.6 takes cookie@1 (>=18)',
  },
};
