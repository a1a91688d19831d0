import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileProblem } from '@srhooks/contracts/file-problem';
import { CliError, usageError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { parseJsonInput } from '../json-input.js';
import { makeDirectory } from './config-dir.js';

/**
 * `listen.json` (mode 0600) in the config dir: the secrets of the local `srhooks listen` receiver,
 * generated on first use and kept so the signed URLs registered on a shop stay valid across
 * restarts (`SRHOOKS_SECRETS` / `--secret` override the URL secret), and, while a `listen` runs,
 * where it listens (`running`), so `events`, `dead-letters`, `prune` and `recover` find it on any
 * port.
 */
export interface ListenSecrets {
  /** Signs the delivery URLs. */
  urlSecret: string;
  /** Standard Webhooks secret (`whsec_…`) that `--forward-to` signs with. */
  forwardSecret: string;
  /** Admin API / inspector token of the local receiver (the admin commands' default token). */
  adminToken: string;
}

/** The `listen` that runs (or ran: a listener killed without a chance to clean up leaves it). */
export interface ListenRunning {
  /** Its local base URL, e.g. `http://127.0.0.1:14750`. */
  url: string;
  pid: number;
  startedAt: string;
}

interface ListenFile extends ListenSecrets {
  running?: ListenRunning;
}

const FILE = 'listen.json';

/**
 * listen.json as stored; undefined when there is none. A file that is there but not a JSON object
 * is refused, never replaced: its URL secret signs the URLs registered on shops, and new secrets
 * would make the receiver answer 404 to every one of them.
 */
async function readListenFile(configDir: string): Promise<Partial<ListenFile> | undefined> {
  const path = join(configDir, FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw usageError(
      `${path} ${fileProblem(error)}`,
      `check its permissions (it keeps ${productName('listen')}’s secrets)`,
      'listen_file_unreadable',
    );
  }
  const keeps = `it keeps ${productName('listen')}’s URL secret, admin token and forward secret`;
  const orDelete =
    'or delete it to start with new secrets: the URLs you registered with the old secret then stop working (register listen’s new URLs)';
  const parsed = parseJsonInput(text, {
    source: path,
    code: 'listen_file_invalid',
    hint: `${orDelete}; ${keeps}`,
  });
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw usageError(`${path} is not a JSON object`, `fix it (${keeps}), ${orDelete}`, 'listen_file_invalid');
  }
  return parsed as Partial<ListenFile>;
}

/** Writes listen.json atomically, mode 0600 in a 0700 directory. */
async function writeListenFile(configDir: string, file: ListenFile): Promise<void> {
  const path = join(configDir, FILE);
  try {
    await makeDirectory(configDir, 0o700);
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (error) {
    // as the credentials file says it: the file and why, not an "unexpected error"
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`, {
      code: 'listen_file_unwritable',
      hint: 'check the directory permissions, or point SRHOOKS_CONFIG_DIR at a writable directory',
    });
  }
}

function generate(): ListenSecrets {
  return {
    urlSecret: randomBytes(32).toString('base64url'),
    forwardSecret: `whsec_${randomBytes(24).toString('base64')}`,
    adminToken: randomBytes(24).toString('base64url'),
  };
}

/** The stored secrets, or undefined when `listen` never ran with this config dir. */
export async function readListenSecrets(configDir: string): Promise<ListenSecrets | undefined> {
  const stored = await readListenFile(configDir);
  if (
    typeof stored?.urlSecret === 'string' &&
    typeof stored.forwardSecret === 'string' &&
    typeof stored.adminToken === 'string'
  ) {
    return {
      urlSecret: stored.urlSecret,
      forwardSecret: stored.forwardSecret,
      adminToken: stored.adminToken,
    };
  }
  return undefined;
}

/**
 * The stored secrets, generated and stored (mode 0600, directory 0700) on first use. A file that
 * lost one of them keeps the others (above all the URL secret); only the missing ones are new.
 */
export async function loadListenSecrets(configDir: string): Promise<ListenSecrets> {
  const existing = await readListenSecrets(configDir);
  if (existing) return existing;
  const stored = (await readListenFile(configDir)) ?? {};
  const fresh = generate();
  const kept = (key: keyof ListenSecrets) =>
    typeof stored[key] === 'string' && stored[key] !== '' ? stored[key] : fresh[key];
  const secrets = {
    urlSecret: kept('urlSecret'),
    forwardSecret: kept('forwardSecret'),
    adminToken: kept('adminToken'),
  };
  await writeListenFile(configDir, { ...secrets, ...(stored.running ? { running: stored.running } : {}) });
  return secrets;
}

/** Records where this `listen` runs (after its receiver is up). */
export async function recordListenRunning(configDir: string, running: ListenRunning): Promise<void> {
  const secrets = await loadListenSecrets(configDir);
  await writeListenFile(configDir, { ...secrets, running });
}

/** Forgets the record at stop, unless another `listen` has recorded itself since. */
export async function clearListenRunning(configDir: string, pid: number): Promise<void> {
  const stored = await readListenFile(configDir);
  const secrets = await readListenSecrets(configDir);
  if (!secrets || stored?.running?.pid !== pid) return;
  await writeListenFile(configDir, secrets);
}

/** The recorded `listen`, and whether its process still exists (false: listen.json is stale). */
export async function readListenRunning(
  configDir: string,
): Promise<(ListenRunning & { alive: boolean }) | undefined> {
  const running = (await readListenFile(configDir))?.running;
  if (
    !running ||
    typeof running.url !== 'string' ||
    !Number.isInteger(running.pid) ||
    typeof running.startedAt !== 'string'
  ) {
    return undefined;
  }
  return {
    url: running.url,
    pid: running.pid,
    startedAt: running.startedAt,
    alive: processExists(running.pid),
  };
}

/** Whether a process `pid` exists (signal 0: nothing is sent). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else
    return (error as { code?: string }).code === 'EPERM';
  }
}
