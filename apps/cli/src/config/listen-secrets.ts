import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Secrets of the local `srhooks listen` receiver, generated on first use and kept in
 * `listen.json` (mode 0600) in the config dir, so the signed URLs registered on a shop stay valid
 * across restarts. `SRHOOKS_SECRETS` / `--secret` override the URL secret.
 */
export interface ListenSecrets {
  /** Signs the delivery URLs. */
  urlSecret: string;
  /** Standard Webhooks secret (`whsec_…`) that `--forward-to` signs with. */
  forwardSecret: string;
  /** Admin API / inspector token of the local receiver (the admin commands' default token). */
  adminToken: string;
}

const FILE = 'listen.json';

function generate(): ListenSecrets {
  return {
    urlSecret: randomBytes(32).toString('base64url'),
    forwardSecret: `whsec_${randomBytes(24).toString('base64')}`,
    adminToken: randomBytes(24).toString('base64url'),
  };
}

/** The stored secrets, or undefined when `listen` never ran with this config dir. */
export async function readListenSecrets(configDir: string): Promise<ListenSecrets | undefined> {
  try {
    const stored = JSON.parse(await readFile(join(configDir, FILE), 'utf8')) as Partial<ListenSecrets>;
    if (
      typeof stored.urlSecret === 'string' &&
      typeof stored.forwardSecret === 'string' &&
      typeof stored.adminToken === 'string'
    ) {
      return {
        urlSecret: stored.urlSecret,
        forwardSecret: stored.forwardSecret,
        adminToken: stored.adminToken,
      };
    }
  } catch {
    // missing or unreadable
  }
  return undefined;
}

/** The stored secrets, generated and stored (mode 0600, directory 0700) on first use. */
export async function loadListenSecrets(configDir: string): Promise<ListenSecrets> {
  const existing = await readListenSecrets(configDir);
  if (existing) return existing;
  const secrets = generate();
  const path = join(configDir, FILE);
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
  return secrets;
}
