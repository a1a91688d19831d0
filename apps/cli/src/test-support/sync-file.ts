import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a `webhooks sync` file named `name` beside `config`'s dir (in the test's temporary directory,
 * removed with it): shop `acme` with `webhooks`, as given. Returns its path.
 */
export function writeSyncFile(config: { dir: string }, name: string, webhooks: unknown[]): string {
  const file = join(config.dir, '..', name);
  writeFileSync(file, JSON.stringify({ shops: [{ name: 'acme', webhooks }] }));
  return file;
}
