import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../cli-error.js';
import { parseJsonInput } from '../json-input.js';

/** One shop's stored credentials: OAuth client credentials or legacy Basic auth. */
export type StoredAuth = { clientId: string; clientSecret: string } | { username: string; password: string };

export interface StoredShop {
  auth: StoredAuth;
  /** API base URL (template with `{shop}` or literal); absent = ShopRenter's default. */
  apiUrl?: string;
  /** OAuth token URL (template or literal); absent = ShopRenter's default. */
  tokenUrl?: string;
  /** Scopes granted at the last successful `login` verification. */
  scopes?: string[];
  savedAt: string;
}

export interface CredentialsFile {
  version: 1;
  /** The shop used when neither `--shop` nor `SRHOOKS_SHOP` names one. */
  defaultShop?: string;
  shops: Record<string, StoredShop>;
}

export const CREDENTIALS_FILE_NAME = 'credentials.json';
/** Owner read/write only: the file holds client secrets. */
export const CREDENTIALS_FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

function emptyFile(): CredentialsFile {
  return { version: 1, shops: {} };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parseStoredShop(value: unknown): StoredShop | undefined {
  if (!isRecord(value) || !isRecord(value.auth)) return undefined;
  const auth = value.auth;
  let parsed: StoredAuth;
  if (typeof auth.clientId === 'string' && typeof auth.clientSecret === 'string') {
    parsed = { clientId: auth.clientId, clientSecret: auth.clientSecret };
  } else if (typeof auth.username === 'string' && typeof auth.password === 'string') {
    parsed = { username: auth.username, password: auth.password };
  } else {
    return undefined;
  }
  return {
    auth: parsed,
    ...(typeof value.apiUrl === 'string' ? { apiUrl: value.apiUrl } : {}),
    ...(typeof value.tokenUrl === 'string' ? { tokenUrl: value.tokenUrl } : {}),
    ...(Array.isArray(value.scopes) ? { scopes: value.scopes.filter((s) => typeof s === 'string') } : {}),
    savedAt: typeof value.savedAt === 'string' ? value.savedAt : '',
  };
}

/**
 * `credentials.json` in the config dir. Written atomically (temp file + rename) with mode 0600
 * inside a 0700 directory; secrets are never printed by any command.
 */
export class CredentialStore {
  readonly path: string;

  constructor(readonly dir: string) {
    this.path = join(dir, CREDENTIALS_FILE_NAME);
  }

  async read(): Promise<CredentialsFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyFile();
      throw new CliError(`cannot read ${this.path}: ${(error as Error).message}`, {
        code: 'credentials_unreadable',
        hint: 'check the file permissions, or point SRHOOKS_CONFIG_DIR at another directory',
      });
    }
    const raw = parseJsonInput(text, {
      source: this.path,
      code: 'credentials_corrupt',
      hint: 'or delete the file and run srhooks login again',
    });
    const file = emptyFile();
    if (!isRecord(raw) || !isRecord(raw.shops)) return file;
    for (const [name, value] of Object.entries(raw.shops)) {
      const shop = parseStoredShop(value);
      if (shop) file.shops[name] = shop;
    }
    if (typeof raw.defaultShop === 'string' && raw.defaultShop in file.shops)
      file.defaultShop = raw.defaultShop;
    return file;
  }

  async write(file: CredentialsFile): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: DIRECTORY_MODE });
      const temp = `${this.path}.${process.pid}.tmp`;
      await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: CREDENTIALS_FILE_MODE });
      // the mode given to writeFile is masked by umask; make sure it is exactly 0600
      await chmod(temp, CREDENTIALS_FILE_MODE);
      await rename(temp, this.path);
    } catch (error) {
      throw new CliError(`cannot write ${this.path}: ${(error as Error).message}`, {
        code: 'credentials_unwritable',
        hint: 'check the directory permissions, or point SRHOOKS_CONFIG_DIR at a writable directory',
      });
    }
  }

  async saveShop(
    name: string,
    shop: StoredShop,
    options: { makeDefault: boolean },
  ): Promise<CredentialsFile> {
    const file = await this.read();
    file.shops[name] = shop;
    if (options.makeDefault || !file.defaultShop) file.defaultShop = name;
    await this.write(file);
    return file;
  }

  /** Removes one shop; returns whether it was stored. */
  async removeShop(name: string): Promise<boolean> {
    const file = await this.read();
    if (!(name in file.shops)) return false;
    delete file.shops[name];
    if (file.defaultShop === name) {
      const remaining = Object.keys(file.shops);
      if (remaining.length === 1) file.defaultShop = remaining[0];
      else delete file.defaultShop;
    }
    await this.write(file);
    return true;
  }

  /** Removes every stored shop (the file itself). */
  async clear(): Promise<string[]> {
    const file = await this.read();
    await rm(this.path, { force: true });
    return Object.keys(file.shops);
  }
}
