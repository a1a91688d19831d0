/**
 * What the receiver and the CLI tell users to read exists: every `docs/<file>.md` they name (in a
 * message or a comment) is a file of apps/receiver/docs (or, from the CLI, of apps/cli/docs), and the section named after it
 * (`docs/operations.md, Backups`) is one of its headings. The receiver's README is a short overview
 * now, so nothing may send a user to "the receiver README" for a section it no longer holds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingSlugs } from './markdown-links.js';
import { REPO_ROOT } from './repo-root.js';

const SOURCES = ['apps/receiver/src', 'apps/cli/src'];
const DOCS = join(REPO_ROOT, 'apps/receiver/docs');
/** The CLI's own docs (its command reference): a CLI message may name them too. */
const CLI_DOCS = join(REPO_ROOT, 'apps/cli/docs');

/** The product's .ts files (tests and test support left out: they may quote anything). */
function productFiles(folder: string): string[] {
  return (readdirSync(join(REPO_ROOT, folder), { recursive: true }) as string[])
    .filter(
      (file) => file.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(file) && !file.includes('test-support'),
    )
    .map((file) => join(REPO_ROOT, folder, file));
}

const files = SOURCES.flatMap(productFiles).map((path) => ({
  path: relative(REPO_ROOT, path),
  text: readFileSync(path, 'utf8'),
}));

/** `docs/x.md` and the section named right after it (`, Backups`), wherever a source names one. */
export function docsPointers(text: string): { file: string; section: string | undefined }[] {
  return [...text.matchAll(/\bdocs\/([a-z-]+\.md)(?:, ([A-Z][\w -]*[\w]))?/g)].map((match) => ({
    file: match[1] as string,
    section: match[2],
  }));
}

describe('pointers to the receiver docs in the receiver and CLI sources', () => {
  it('finds pointers in a text, with their section', () => {
    expect(docsPointers('restore it from a backup (receiver docs/operations.md, Backups).')).toEqual([
      { file: 'operations.md', section: 'Backups' },
    ]);
    expect(docsPointers("see the receiver's docs/configuration.md) and")).toEqual([
      { file: 'configuration.md', section: undefined },
    ]);
  });

  it('name docs files that exist, and sections that are headings of them', () => {
    const pointers = files.flatMap(({ path, text }) =>
      docsPointers(text).map((pointer) => ({ path, ...pointer })),
    );
    expect(pointers.length).toBeGreaterThan(0);
    const receiverDocs = new Set(readdirSync(DOCS));
    const cliDocs = new Set(readdirSync(CLI_DOCS));
    for (const { path, file, section } of pointers) {
      const folder = receiverDocs.has(file)
        ? DOCS
        : path.startsWith('apps/cli/') && cliDocs.has(file)
          ? CLI_DOCS
          : null;
      expect(
        folder,
        `${path} names docs/${file}, which is neither the receiver's nor (from the CLI) the CLI's`,
      ).not.toBeNull();
      if (section === undefined || folder === null) continue;
      const headings = headingSlugs(readFileSync(join(folder, file), 'utf8')).map((heading) => heading.text);
      expect(
        headings.some((heading) => heading === section || heading.startsWith(`${section}:`)),
        `${path} names docs/${file}, ${section}: not a heading of it (${headings.join(' | ')})`,
      ).toBe(true);
    }
  });

  it('never send a user to "the receiver README" (its sections moved to apps/receiver/docs)', () => {
    const stale = files.flatMap(({ path, text }) =>
      text
        .split('\n')
        .map((line, index) => ({ line, at: `${path}:${index + 1}` }))
        .filter(({ line }) => /receiver(?:'s)? README|README\.md beside dist|apps\/receiver#/.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(stale).toEqual([]);
  });
});
