import { readFile } from 'node:fs/promises';
// the light subpath: no zod, no sandbox, for the error wording alone
import { fileProblem } from '@srhooks/contracts/file-problem';
import { usageError } from './cli-error.js';

/**
 * Reads a file given to a CLI option (`trigger --data`, `webhooks sync -f`, `sandbox --shops`/`--apps`):
 * one that cannot be read is a usage error (exit 2, code `file_unreadable`) naming the option and the
 * file and saying why in words, as the sandbox does (`--data d.json is a directory, not a file`), never
 * Node's errno text.
 */
export async function readInputFile(
  label: string,
  path: string,
  hint: string,
  options?: { missingOk?: false },
): Promise<string>;
/** `missingOk`: a file that does not exist yet is `undefined` (e.g. the sandbox's `--data`, created on start). */
export async function readInputFile(
  label: string,
  path: string,
  hint: string,
  options: { missingOk: true },
): Promise<string | undefined>;
/**
 * @param label the option and file as the user wrote them: `--data d.json`, `-f srhooks.config.json`
 * @param hint what to do: `check the path, or leave --data out to send the built-in sample`
 */
export async function readInputFile(
  label: string,
  path: string,
  hint: string,
  options: { missingOk?: boolean } = {},
): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (options.missingOk && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw usageError(`${label} ${fileProblem(error)}`, hint, 'file_unreadable');
  }
}
