/**
 * Validation issues (zod's, as a ZodError carries them) in the CLI's words: one line, each issue as
 * `path: message` (`shops[1].name: shop "demo" is listed twice`), never zod's JSON array. Loads no
 * zod: the issues are read structurally.
 */

export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** `['shops', 0, 'webhooks', 2]` → `shops[0].webhooks[2]`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

/** How many issues one line names; the rest are counted. */
const SHOWN = 3;

/** The issues as one line: `a.b: message; c: message (and 2 more)`. */
export function issuesLine(issues: readonly IssueLike[]): string {
  const shown = issues.slice(0, SHOWN).map((issue) => {
    const where = issuePath(issue.path);
    return `${where ? `${where}: ` : ''}${issue.message.replace(/\s*\n\s*/g, ' ')}`;
  });
  const more = issues.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}

/** The issues of a ZodError-like error (`issues: [{path, message}]`), if it has them. */
export function issuesOf(error: unknown): IssueLike[] | undefined {
  const issues = (error as { issues?: unknown } | null)?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  const valid = issues.every(
    (issue) =>
      issue !== null &&
      typeof issue === 'object' &&
      Array.isArray((issue as { path?: unknown }).path) &&
      typeof (issue as { message?: unknown }).message === 'string',
  );
  return valid ? (issues as IssueLike[]) : undefined;
}
