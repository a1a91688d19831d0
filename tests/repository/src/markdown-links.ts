/**
 * Relative links in Markdown files, checked the way GitHub renders them: the file (or folder) a link
 * names exists, and its `#anchor` is a heading of that Markdown file (GitHub's slugs: the heading's
 * text lower-cased, punctuation dropped, spaces made hyphens, `-1`, `-2`… for repeated headings) or
 * an `<a id>`/`<a name>` in it. Links inside fenced code blocks and code spans are not links.
 */
import { dirname, join, normalize } from 'node:path';

export interface Heading {
  text: string;
  slug: string;
}

export interface MarkdownLink {
  file: string;
  line: number;
  target: string;
}

/** GitHub's anchor for a heading's Markdown text (github-slugger on the rendered text). */
export function githubSlug(markdown: string): string {
  const text = markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images keep their text
    .replace(/`([^`]*)`/g, '$1') // code spans keep their content
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/(^|[^\p{L}\p{N}])_+([^_]+?)_+(?=[^\p{L}\p{N}]|$)/gu, '$1$2') // _emphasis_
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Each line of `markdown` outside fenced code blocks, with its 1-based number. */
function proseLines(markdown: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, index) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (fence === undefined && marker !== undefined) {
      fence = marker;
      return;
    }
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return;
    }
    out.push({ text, line: index + 1 });
  });
  return out;
}

/** The headings of a Markdown text with their anchors, in order (repeats numbered as GitHub does). */
export function headingSlugs(markdown: string): Heading[] {
  const seen = new Map<string, number>();
  const out: Heading[] = [];
  for (const { text } of proseLines(markdown)) {
    const match = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text);
    if (!match) continue;
    const heading = match[1] ?? '';
    const base = githubSlug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.push({ text: heading, slug: count === 0 ? base : `${base}-${count}` });
  }
  return out;
}

/** Every anchor a Markdown text offers: its headings' slugs and its `<a id|name="…">`s. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set(headingSlugs(markdown).map((heading) => heading.slug));
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] as string);
  return anchors;
}

/** The link targets of a Markdown text: inline links and images, and reference definitions. */
export function linksOf(file: string, markdown: string): MarkdownLink[] {
  const out: MarkdownLink[] = [];
  for (const { text, line } of proseLines(markdown)) {
    const prose = text.replace(/(`+)[\s\S]*?\1/g, ''); // code spans hold no links
    for (const match of prose.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ file, line, target: (match[1] as string).replace(/^<|>$/g, '') });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s+(\S+)/.exec(prose);
    if (definition) out.push({ file, line, target: definition[1] as string });
  }
  return out;
}

/**
 * The broken relative links of `files` (repository path → Markdown text), as `file:line: target:
 * why`. `exists` says whether a repository path is a file or folder; Markdown files not in `files`
 * are read through `read` when a link's anchor must be checked there. `scope` names the tree the
 * paths are in, for a link that leaves it (tests/release checks a published package's files too).
 */
export function brokenLinks(
  files: Map<string, string>,
  exists: (path: string) => boolean,
  read: (path: string) => string | undefined = () => undefined,
  scope = 'the repository',
): string[] {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchors = (path: string): Set<string> | undefined => {
    if (!anchorCache.has(path)) {
      const text = files.get(path) ?? read(path);
      if (text === undefined) return undefined;
      anchorCache.set(path, anchorsOf(text));
    }
    return anchorCache.get(path);
  };
  for (const [file, markdown] of files) {
    for (const { line, target } of linksOf(file, markdown)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // URLs, mailto:
      const hash = target.indexOf('#');
      const pathPart = decodeURI(hash < 0 ? target : target.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const where = `${file}:${line}: ${target}`;
      if (pathPart.startsWith('/')) {
        problems.push(
          `${where}: an absolute path (GitHub resolves it from the site root, not the repository)`,
        );
        continue;
      }
      const path = pathPart === '' ? file : normalize(join(dirname(file), pathPart)).replace(/\/$/, '');
      if (path.startsWith('..')) {
        problems.push(`${where}: leaves ${scope}`);
        continue;
      }
      if (!files.has(path) && !exists(path)) {
        problems.push(`${where}: no such file or folder ${path}`);
        continue;
      }
      if (anchor === undefined || anchor === '' || !path.endsWith('.md')) continue;
      const offered = anchors(path);
      if (offered === undefined) {
        problems.push(`${where}: ${path} could not be read`);
      } else if (!offered.has(anchor)) {
        problems.push(`${where}: no heading #${anchor} in ${path}`);
      }
    }
  }
  return problems;
}
