import { readRepoFile } from './repo-root.js';

export const READ_ME_APP_SECTION = 'Build a ShopRenter app';

export interface ReadmeAppBlock {
  /** The section's shell block, as written. */
  script: string;
  /** The admin token the block exports (SRHOOKS_ADMIN_TOKEN). */
  adminToken: string;
  /** The shop admin page the text after the block says to open. */
  adminPage: string;
}

/** The shell block of the root README's "Build a ShopRenter app" section; throws when it is not there. */
export function readmeAppBlock(readme = readRepoFile('README.md')): ReadmeAppBlock {
  const section = readme.split(new RegExp(`^## ${READ_ME_APP_SECTION}$`, 'm'))[1]?.split(/^## /m)[0];
  if (section === undefined) throw new Error(`README.md has no "## ${READ_ME_APP_SECTION}" section`);
  const script = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (script === undefined) throw new Error(`"${READ_ME_APP_SECTION}" has no sh block`);
  const adminToken = /^export SRHOOKS_ADMIN_TOKEN=(\S+)$/m.exec(script)?.[1];
  if (adminToken === undefined) throw new Error(`the block exports no SRHOOKS_ADMIN_TOKEN`);
  const adminPage = /Open `(http:\/\/[^`]+)` for the embedded page/.exec(section)?.[1];
  if (adminPage === undefined) throw new Error('the section names no admin page to open');
  return { script, adminToken, adminPage };
}
