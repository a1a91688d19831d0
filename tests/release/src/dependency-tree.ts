/**
 * The production dependency tree of a published package as the workspace installed it: its
 * `dependencies` and `optionalDependencies`, then theirs, found the way Node finds them (the
 * nearest `node_modules/<name>` up from the real folder of the package that depends on them, which
 * in pnpm's layout is the exact version the lockfile resolved). Dev dependencies and optional peers
 * are not installed for a user, so they are not walked; a required peer is.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import semver from 'semver';
import { REPO_ROOT, readManifest } from './workspace.js';

export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
  /** `engines.node` of its package.json, if it has one. */
  readonly enginesNode: string | undefined;
  /** Real folder (pnpm's store path for a third-party package). */
  readonly dir: string;
  /** How the walk reached it: `@srhooks/cli > @srhooks/receiver > fastify`. */
  readonly path: readonly string[];
}

interface TreeManifest {
  name: string;
  version: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function readTreeManifest(dir: string): TreeManifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as TreeManifest;
}

/** The real folder of `name` as Node resolves it from `fromDir`, or undefined when none is installed. */
function findInstalled(fromDir: string, name: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Names a package needs installed at run time: dependencies, optional ones, required peers. */
function runtimeDependencyNames(manifest: TreeManifest): { required: string[]; optional: string[] } {
  const peerMeta = manifest.peerDependenciesMeta ?? {};
  const requiredPeers = Object.keys(manifest.peerDependencies ?? {}).filter(
    (name) => !peerMeta[name]?.optional,
  );
  return {
    required: [...Object.keys(manifest.dependencies ?? {}), ...requiredPeers],
    optional: Object.keys(manifest.optionalDependencies ?? {}),
  };
}

/**
 * Every package in the production tree of the package in `rootDir` (itself included), once per
 * installed folder. A required dependency that is not installed throws: the walk would otherwise
 * pass over the part of the tree it could not see.
 */
export function productionDependencyTree(rootDir: string): InstalledPackage[] {
  const seen = new Map<string, InstalledPackage>();
  const queue: { dir: string; path: string[] }[] = [{ dir: realpathSync(rootDir), path: [] }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    if (seen.has(next.dir)) continue;
    const manifest = readTreeManifest(next.dir);
    const path = [...next.path, manifest.name];
    seen.set(next.dir, {
      name: manifest.name,
      version: manifest.version,
      enginesNode: manifest.engines?.node,
      dir: next.dir,
      path,
    });
    const { required, optional } = runtimeDependencyNames(manifest);
    for (const name of [...required, ...optional]) {
      const dir = findInstalled(next.dir, name);
      if (dir === undefined) {
        // an optional dependency for another platform (a native binary package) is not installed here
        if (optional.includes(name) && !required.includes(name)) continue;
        throw new Error(`${path.join(' > ')} needs ${name}, which is not installed (run the setup first)`);
      }
      queue.push({ dir, path });
    }
  }
  return [...seen.values()];
}

/** `>=20.6.0` (or `^20.6.0 || 22 - 26`) → `20.6.0`: the oldest Node the published packages promise to install and run on. */
export function oldestAdmittedNode(): string {
  const range = (readManifest(join(REPO_ROOT, 'packages/contracts')).engines as { node: string }).node;
  const minimum = semver.minVersion(range);
  if (!minimum) throw new Error(`engines.node ${range} admits no version`);
  return minimum.version;
}

/** The packages of `tree` whose engines.node leaves out Node `version` (what engine-strict refuses). */
export function refusingNode(tree: readonly InstalledPackage[], version: string): string[] {
  return tree
    .filter(
      (installed) =>
        installed.enginesNode !== undefined &&
        !semver.satisfies(version, installed.enginesNode, { includePrerelease: true }),
    )
    .map(
      (installed) =>
        `${installed.name}@${installed.version} wants node ${installed.enginesNode} (${installed.path.join(' > ')})`,
    );
}

/**
 * Node versions to hold a range against: each major's first and last release (of a scale no release
 * reaches) and the lowest version of each of `range`'s comparator sets. `semver.subset` compares one
 * comparator set with one other, so `22 - 26` is no subset of `22.x || 23.x || … 26.x`; these points
 * tell every Node major (and the minor a range starts at) apart, which is what engines ranges name.
 */
function probeVersions(range: string): string[] {
  const points = new Set<string>();
  for (let major = 0; major <= 60; major++) points.add(`${major}.0.0`).add(`${major}.999.999`);
  for (const set of new semver.Range(range).set) {
    const lowest = semver.minVersion(set.map((comparator) => comparator.value).join(' '));
    if (lowest) points.add(lowest.version);
  }
  return [...points];
}

/**
 * The packages of `tree` whose engines.node leaves out some Node that `ours` admits: what our engines
 * promise beyond what the installed tree supports.
 */
export function promisedBeyond(tree: readonly InstalledPackage[], ours: string): string[] {
  const admitted = probeVersions(ours).filter((version) => semver.satisfies(version, ours));
  return tree.flatMap((installed) => {
    const theirs = installed.enginesNode;
    if (theirs === undefined) return [];
    const left = admitted.filter((version) => !semver.satisfies(version, theirs));
    return left.length === 0
      ? []
      : [
          `${installed.name}@${installed.version} wants node ${theirs}, ours is ${ours}: leaves out ${left.slice(0, 4).join(', ')}${left.length > 4 ? ', …' : ''} (${installed.path.join(' > ')})`,
        ];
  });
}
