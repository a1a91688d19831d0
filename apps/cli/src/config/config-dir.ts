import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import envPaths from 'env-paths';
import { usageError } from '../cli-error.js';

/**
 * The directory holding `credentials.json` and the `listen` database: `SRHOOKS_CONFIG_DIR` when
 * set (tests, CI, several profiles), otherwise the platform's user config dir from env-paths
 * (`~/.config/srhooks` on Linux, `~/Library/Preferences/srhooks` on macOS,
 * `%APPDATA%\srhooks\Config` on Windows).
 *
 * A directory that does not exist yet is fine (it is created when something is stored). A path that
 * is a regular file, or leads through one, is a configuration problem: a usage error (exit 2,
 * code `config_dir_not_directory`) naming `SRHOOKS_CONFIG_DIR`, instead of each command failing
 * later on `ENOTDIR` with its own message and exit code.
 */
export function resolveConfigDir(env: Record<string, string | undefined>): string {
  const override = env.SRHOOKS_CONFIG_DIR?.trim();
  const dir = override || envPaths('srhooks', { suffix: '' }).config;
  if (!isDirectoryOrMissing(dir)) {
    throw usageError(
      override
        ? `SRHOOKS_CONFIG_DIR ${dir} is not a directory (it is a file, or a path through one)`
        : `the config directory ${dir} is not a directory (it is a file, or a path through one)`,
      override
        ? 'point SRHOOKS_CONFIG_DIR at a directory (one that does not exist yet is created), or unset it'
        : 'move that file away, or point SRHOOKS_CONFIG_DIR at a directory',
      'config_dir_not_directory',
    );
  }
  return dir;
}

function isDirectoryOrMissing(dir: string): boolean {
  try {
    const stats = statSync(dir, { throwIfNoEntry: false });
    return stats === undefined || stats.isDirectory();
  } catch (error) {
    // ENOTDIR: a part of the path is a file. Anything else (EACCES, …) is left to the command that
    // reads or writes there, which names the file.
    return (error as NodeJS.ErrnoException).code !== 'ENOTDIR';
  }
}

/**
 * Creates `dir` and its missing parents, each with `mode`, one level at a time. Node's recursive
 * mkdir never returns when the system answers ENOENT for a parent that exists (under /proc: an
 * `SRHOOKS_CONFIG_DIR=/proc/x` hung `login` and `listen`); level by level, that ENOENT is thrown.
 */
export async function makeDirectory(dir: string, mode: number): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(dir); !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const level of missing) {
    await mkdir(level, { mode }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}
