import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileProblem } from '@srhooks/contracts/file-problem';
import { JsonSyntaxError, parseJsonText } from '@srhooks/contracts/json-syntax';
import { CliError, EXIT_CODES } from '../cli-error.js';
import { parseJsonInput } from '../json-input.js';
import { makeDirectory } from './config-dir.js';

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
/** The config dir's mode (only its owner can list it). */
export const PRIVATE_DIRECTORY_MODE = 0o700;

/**
 * Writes `text` to `path` in `dir` for its owner only: `dir` (and missing parents) made with mode 0700,
 * the text written to a temp file beside it with mode 0600, then renamed over `path` (atomic: a reader
 * sees the old file or the new one, never half of one). The credentials file and the token cache.
 */
export async function writePrivateFile(dir: string, path: string, text: string): Promise<void> {
  await makeDirectory(dir, PRIVATE_DIRECTORY_MODE);
  // unique per write: two writes of one process (several shops at once) never share a temp file
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { mode: CREDENTIALS_FILE_MODE });
    // the mode given to writeFile is masked by umask; make sure it is exactly 0600
    await chmod(temp, CREDENTIALS_FILE_MODE);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

function emptyFile(): CredentialsFile {
  return { version: 1, shops: {} };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Keys srhooks writes at the top of credentials.json. */
const CREDENTIALS_KEYS = new Set(['version', 'defaultShop', 'shops']);

/**
 * What the parsed JSON is when it is not shaped like a credentials file at all (in words, none of its
 * content), else null: not an object, or an object without `shops` holding keys srhooks never writes.
 * (`{}` and `{"version": 1}` are an empty credentials file.)
 */
function notCredentialsShape(raw: unknown): string | null {
  if (Array.isArray(raw)) return 'a JSON array';
  if (raw === null) return 'JSON null';
  if (typeof raw !== 'object') return `a JSON ${typeof raw}`;
  const keys = Object.keys(raw);
  if (!('shops' in raw) && keys.some((key) => !CREDENTIALS_KEYS.has(key)))
    return 'a JSON object without "shops"';
  return null;
}

/** A shop entry of the file that does not parse: its name, the field and what is wrong, in words (no values). */
export interface UnreadableShopEntry {
  shop: string;
  /** The field under the entry (`auth.clientId`), '' for the entry itself. */
  field: string;
  /** `auth.clientId must be a string`. */
  problem: string;
}

/** What is wrong with a shop entry: the field (under the entry) and the problem, in words. */
interface EntryProblem {
  field: string;
  problem: string;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The field of an auth block that is missing or not a string, if any. */
function authProblem(auth: Record<string, unknown>, names: [string, string]): EntryProblem | undefined {
  for (const name of names) {
    if (typeof auth[name] !== 'string')
      return {
        field: `auth.${name}`,
        problem: auth[name] === undefined ? 'is missing' : 'must be a string',
      };
  }
  return undefined;
}

/** A stored shop entry, or what is wrong with it (never guessed around: see {@link CredentialStore.read}). */
function parseStoredShop(value: unknown): StoredShop | EntryProblem {
  if (!isRecord(value)) return { field: '', problem: 'must be a JSON object' };
  if (!isRecord(value.auth))
    return {
      field: 'auth',
      problem: `${value.auth === undefined ? 'is missing' : 'must be a JSON object'} ({"clientId", "clientSecret"} or {"username", "password"})`,
    };
  const auth = value.auth;
  const legacy =
    !('clientId' in auth) && !('clientSecret' in auth) && ('username' in auth || 'password' in auth);
  const problem = authProblem(auth, legacy ? ['username', 'password'] : ['clientId', 'clientSecret']);
  if (problem) return problem;
  for (const key of ['apiUrl', 'tokenUrl', 'savedAt'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'string')
      return { field: key, problem: 'must be a string' };
  }
  if (value.scopes !== undefined && !isStringList(value.scopes))
    return { field: 'scopes', problem: 'must be a list of strings' };
  return {
    auth: legacy
      ? { username: auth.username as string, password: auth.password as string }
      : { clientId: auth.clientId as string, clientSecret: auth.clientSecret as string },
    ...(typeof value.apiUrl === 'string' ? { apiUrl: value.apiUrl } : {}),
    ...(typeof value.tokenUrl === 'string' ? { tokenUrl: value.tokenUrl } : {}),
    ...(isStringList(value.scopes) ? { scopes: value.scopes } : {}),
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
    const { file, unreadable } = await this.#readEntries();
    const [first] = unreadable;
    if (first) {
      const { shop: name, field } = first;
      throw this.invalid(
        `shop entry "${name}" is invalid: ${first.problem}`,
        `fix shops.${name}${field ? `.${field}` : ''} in the file, or remove the "${name}" entry (then srhooks login --shop ${name} … stores it again); nothing was changed`,
      );
    }
    return file;
  }

  /**
   * The file as `read` takes it, except that shop entries that do not parse are listed apart instead of
   * refused. Only for removing everything (`clear`): nothing else may act on a file missing an entry.
   */
  async #readEntries(): Promise<{ file: CredentialsFile; unreadable: UnreadableShopEntry[] }> {
    const text = await this.#readText();
    if (text === null) return { file: emptyFile(), unreadable: [] };
    return this.#entries(
      parseJsonInput(text, {
        source: this.path,
        code: 'credentials_corrupt',
        hint: 'or delete the file and run srhooks login again',
      }),
    );
  }

  /** The file's text; null when there is no file. */
  async #readText(): Promise<string | null> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      throw new CliError(
        `the credentials file ${this.path} (srhooks’ stored API credentials) ${fileProblem(error)}: nothing was changed`,
        {
          code: 'credentials_unreadable',
          exitCode: EXIT_CODES.usage,
          hint:
            code === 'EACCES' || code === 'EPERM'
              ? 'the file is kept for its owner only (mode 0600): run srhooks as the user who ran srhooks login, or, as the file’s owner, make it readable (chmod 600 the file); to start afresh instead, point SRHOOKS_CONFIG_DIR at another directory'
              : 'move it away (srhooks login then stores new credentials there), or point SRHOOKS_CONFIG_DIR at another directory',
        },
      );
    }
  }

  #entries(raw: unknown): { file: CredentialsFile; unreadable: UnreadableShopEntry[] } {
    const foreign = notCredentialsShape(raw);
    if (foreign !== null) throw this.notOurs(foreign);
    if (isRecord(raw) && raw.shops !== undefined && !isRecord(raw.shops))
      throw this.invalid('"shops" must be a JSON object of shop entries');
    if (!isRecord(raw)) throw this.notOurs('not a JSON object');
    const file = emptyFile();
    const unreadable: UnreadableShopEntry[] = [];
    for (const [name, value] of Object.entries(raw.shops ?? {})) {
      const shop = parseStoredShop(value);
      if ('problem' in shop) {
        unreadable.push({
          shop: name,
          field: shop.field,
          problem: `${shop.field ? `${shop.field} ` : ''}${shop.problem}`,
        });
        continue;
      }
      file.shops[name] = shop;
    }
    if (typeof raw.defaultShop === 'string' && raw.defaultShop in file.shops)
      file.defaultShop = raw.defaultShop;
    return { file, unreadable };
  }

  /**
   * A file that parses as JSON but is not a credentials file, or one of whose shop entries is not
   * valid: refused (exit 2) like invalid JSON, never skipped — a skipped entry would look like no
   * login, and the next `login` would rewrite the file without it.
   */
  private invalid(problem: string, hint?: string): CliError {
    return new CliError(`${this.path}: ${problem}`, {
      code: 'credentials_corrupt',
      exitCode: EXIT_CODES.usage,
      hint: hint ?? 'fix the file, or delete it and run srhooks login again; nothing was changed',
    });
  }

  /**
   * Valid JSON that is not a credentials file (another program's `credentials.json` in a shared
   * directory, say): refused by every command, never rewritten or deleted, not even by `logout --all`.
   */
  private notOurs(what: string): CliError {
    return new CliError(
      `${this.path} is valid JSON but not an srhooks credentials file (it is ${what}; a credentials file is {"version": 1, "shops": {…}}): nothing was changed`,
      {
        code: 'not_a_credentials_file',
        exitCode: EXIT_CODES.usage,
        hint: 'it was not deleted: it may belong to another program. Move it away (or point SRHOOKS_CONFIG_DIR at a directory of srhooks’ own); srhooks login then stores new credentials there',
      },
    );
  }

  async write(file: CredentialsFile): Promise<void> {
    try {
      await writePrivateFile(this.dir, this.path, `${JSON.stringify(file, null, 2)}\n`);
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

  /**
   * Removes every stored shop (the file itself), shop entries that do not parse included: removing
   * everything loses nothing the user did not ask to remove. Returns the shops removed (readable ones
   * first) and the entries among them that could not be read. A file that is not JSON at all (a broken
   * write, a damaged disk) is removed too, and reported as `notJson` (what is wrong, where; none of its
   * text): the shops it held are not known. A file that is valid JSON but not a credentials file is
   * still refused (`not_a_credentials_file`): it may be another program's `credentials.json` in a
   * shared directory. So is a file it may not read (`credentials_unreadable`).
   */
  async clear(): Promise<{ removed: string[]; unreadable: UnreadableShopEntry[]; notJson?: string }> {
    const text = await this.#readText();
    if (text === null) return { removed: [], unreadable: [] };
    let raw: unknown;
    let notJson: string | undefined;
    try {
      raw = parseJsonText(text, this.path);
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      notJson = `not valid JSON: ${error.location.problem} at ${error.at}`;
    }
    const { file, unreadable } =
      notJson === undefined ? this.#entries(raw) : { file: emptyFile(), unreadable: [] };
    try {
      await rm(this.path, { force: true });
    } catch (error) {
      throw new CliError(`cannot delete ${this.path}: ${(error as Error).message}`, {
        code: 'credentials_unwritable',
        hint: 'check the directory permissions, or delete the file yourself',
      });
    }
    const removed = [...Object.keys(file.shops), ...unreadable.map((entry) => entry.shop)];
    return notJson === undefined ? { removed, unreadable } : { removed, unreadable, notJson };
  }
}
