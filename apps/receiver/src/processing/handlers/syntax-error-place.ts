/**
 * Where a handler file's syntax error is. Node's SyntaxError from `import()` says what is wrong
 * ("Unexpected token ';'") but not in which file or line; `node --check FILE` does (its first line is
 * `FILE:LINE`, a caret under the column). Run only after a load failed with a SyntaxError.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHECK_TIMEOUT_MS = 10_000;

/**
 * `syntax error at FILE:LINE:COLUMN` when the file itself does not parse; `syntax error in a file it
 * imports (…)` when it does; null when the error is not a syntax error of a file (a missing export:
 * Node's message names the module already) or the check could not run.
 */
export async function syntaxErrorPlace(path: string, error: unknown): Promise<string | null> {
  if (!(error instanceof SyntaxError) || error.message.startsWith('The requested module')) return null;
  const check = await new Promise<{ failed: boolean; stderr: string } | null>((resolve) => {
    execFile(
      process.execPath,
      ['--check', path],
      { timeout: CHECK_TIMEOUT_MS, encoding: 'utf8' },
      (failure, _stdout, stderr) => {
        if (failure && (failure as { killed?: boolean }).killed) resolve(null);
        else resolve({ failed: failure !== null, stderr });
      },
    );
  });
  if (check === null) return null;
  if (!check.failed) return `syntax error in a file it imports (${path} itself parses)`;
  const [first = '', , caret = ''] = check.stderr.split('\n');
  const place = /^(.+):(\d+)$/.exec(first.trim());
  if (!place?.[1] || !place[2]) return null;
  const file = place[1].startsWith('file://') ? fileURLToPath(place[1]) : place[1];
  const column = caret.indexOf('^');
  return `syntax error at ${file}:${place[2]}${column >= 0 ? `:${column + 1}` : ''}`;
}
