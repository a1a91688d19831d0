#!/usr/bin/env node
/**
 * `prepack` of every published package. npm pack / npm publish copy package.json as it is, so its
 * `workspace:*` and `catalog:` ranges would reach the registry and no npm could install the tarball
 * (EUNSUPPORTEDPROTOCOL "workspace:"). pnpm pack / pnpm publish (and `pnpm release`, whose
 * `changeset publish` runs pnpm publish) write the real versions; this stops every other packer.
 * `--ignore-scripts` skips it, on purpose.
 */
import { readFileSync } from 'node:fs';

const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith('pnpm/')) {
  const packer = agent.split(' ')[0] || 'this package manager';
  const root = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  console.error(
    `${process.env.npm_package_name ?? 'this package'}: pack it with pnpm, not ${packer}: ` +
      'its package.json has workspace:* and catalog: ranges that only pnpm pack / pnpm publish turn into versions ' +
      `(npx -y ${root.packageManager} pack here, or pnpm release from the repository root; README, Releasing)`,
  );
  process.exit(1);
}
