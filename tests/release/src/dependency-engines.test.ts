/**
 * A user with `engine-strict` (npm install --engine-strict, pnpm's engine-strict=true) on the
 * oldest Node our `engines.node` admits gets an install error (EBADENGINE) from any package in the
 * tree whose own `engines.node` leaves that Node out, however deep: @nats-io/nuid@3 and cookie@2
 * (under fastify's light-my-request) say Node >=22. This walks the production tree of every
 * published package as the lockfile resolved it and checks each `engines.node` against ours; the
 * pins that hold a transitive package back (ENGINE_PINS) must still be needed and still hold.
 * Nor may ours promise a Node a package in the tree does not: `>=20.6.0` on the receiver and the CLI
 * promised Node 21 and 27+, which better-sqlite3 12.11.1 (`20.x || 22.x … 26.x`) leaves out.
 */
import { describe, expect, it } from 'vitest';
import {
  oldestAdmittedNode,
  productionDependencyTree,
  promisedBeyond,
  refusingNode,
} from './dependency-tree.js';
import { ENGINE_PINS, PUBLISHED_PACKAGES, readManifest } from './workspace.js';

describe('the production dependency tree admits the oldest Node our engines.node allows', () => {
  const minimum = oldestAdmittedNode();

  describe.each(PUBLISHED_PACKAGES.map((pkg) => [pkg.name, pkg] as const))('%s', (_name, pkg) => {
    it(`every installed package's engines.node admits Node ${minimum} (what engine-strict installs check)`, () => {
      const tree = productionDependencyTree(pkg.dir);
      // the walk reaches the third-party tree, not only the package itself
      expect(tree.length).toBeGreaterThan(1);
      expect(refusingNode(tree, minimum)).toEqual([]);
    });

    it('every installed package admits every Node its engines.node admits (no promise beyond what the tree keeps)', () => {
      const ours = (readManifest(pkg.dir).engines as { node: string }).node;
      expect(promisedBeyond(productionDependencyTree(pkg.dir), ours)).toEqual([]);
    });
  });

  it.each(Object.entries(ENGINE_PINS))(
    'the pin of %s is still needed (its parent still depends on it) and holds (one copy in the tree)',
    (name, pin) => {
      for (const holder of pin.heldFor) {
        const pkg = PUBLISHED_PACKAGES.find((candidate) => candidate.name === holder);
        if (!pkg) throw new Error(`${holder} is not a published package`);
        expect(readManifest(pkg.dir).dependencies?.[name], `${holder} depends on ${name}`).toBe('catalog:');
        const tree = productionDependencyTree(pkg.dir);
        const parents = tree.filter((installed) => installed.name === pin.parent);
        expect(parents.length, `${pin.parent} is in ${holder}'s tree`).toBeGreaterThan(0);
        for (const parent of parents) {
          const range = readManifest(parent.dir).dependencies?.[name];
          expect(range, `${pin.parent}@${parent.version} still depends on ${name}`).toBeDefined();
        }
        // one copy: the parent's range takes the pinned version, so the parent loads the pinned copy
        const copies = new Set(
          tree.filter((installed) => installed.name === name).map((installed) => installed.version),
        );
        expect([...copies], `${name} in ${holder}'s tree`).toHaveLength(1);
      }
    },
  );
});
