import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder (this package sits at tests/repository). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function readRepoFile(relative: string): string {
  return readFileSync(join(REPO_ROOT, relative), 'utf8');
}

export function rootScripts(): Record<string, string> {
  return (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;
}

/** `git grep -n` over the committed and staged files; [] when nothing matches. */
export function gitGrep(pattern: string, pathspecs: string[] = []): string[] {
  try {
    return execFileSync('git', ['grep', '-n', '-E', pattern, '--', '.', ...pathspecs], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
  } catch (error) {
    if ((error as { status?: number }).status === 1) return []; // git grep: no match
    throw error;
  }
}
