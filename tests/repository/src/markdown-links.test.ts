/**
 * Every relative link of the repository's Markdown files (READMEs, docs/, apps/receiver/docs/ …)
 * resolves: the file or folder exists and its `#anchor` is a heading there, as GitHub renders it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorsOf, brokenLinks, githubSlug, headingSlugs } from './markdown-links.js';
import { REPO_ROOT } from './repo-root.js';

/** The repository's Markdown files, committed or new (not ignored), as repository paths. */
function markdownFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.md'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((path) => path !== '' && existsSync(join(REPO_ROOT, path)));
}

describe('GitHub heading anchors', () => {
  it('are the rendered text lower-cased, punctuation dropped, spaces made hyphens', () => {
    expect(githubSlug('Metrics (`GET /metrics`)')).toBe('metrics-get-metrics');
    expect(githubSlug('Broker handlers: NATS JetStream, RabbitMQ, Redis Streams')).toBe(
      'broker-handlers-nats-jetstream-rabbitmq-redis-streams',
    );
    expect(githubSlug("Memory: the start command's flags")).toBe('memory-the-start-commands-flags');
    expect(githubSlug('`SRHOOKS_DB` and [links](x.md)')).toBe('srhooks_db-and-links');
    expect(githubSlug('What srhooks says about ShopRenter, and how it knows')).toBe(
      'what-srhooks-says-about-shoprenter-and-how-it-knows',
    );
  });

  it('number repeated headings, and ignore "headings" inside fenced code', () => {
    const text = '# A\n\n```sh\n# not a heading\n```\n\n## Usage\n\n### Usage\n';
    expect(headingSlugs(text).map((heading) => heading.slug)).toEqual(['a', 'usage', 'usage-1']);
    expect(anchorsOf('<a id="custom"></a>\n# T\n')).toEqual(new Set(['t', 'custom']));
  });
});

describe('the relative-link check', () => {
  const files = new Map([
    [
      'docs/a.md',
      [
        '# Title',
        '## Setup',
        '## Setup',
        'Good: [setup](#setup), [again](#setup-1), [b](b.md#part-two), [folder](../apps/), [web](https://x.y/#z).',
        'Broken: [gone](missing.md), [anchor](#nope), [other](b.md#part-3), [root](/docs/b.md).',
        '`[in code](nowhere.md)` and',
        '```md',
        '[in a fence](nowhere.md)',
        '```',
        '[ref]: ../README.md#no-such',
      ].join('\n'),
    ],
    ['docs/b.md', '# B\n\n## Part two\n'],
    ['README.md', '# Root\n'],
  ]);
  const exists = (path: string) => path === 'apps';

  it('reports each broken link, file and anchor, and only those', () => {
    expect(brokenLinks(files, exists)).toEqual([
      'docs/a.md:5: missing.md: no such file or folder docs/missing.md',
      'docs/a.md:5: #nope: no heading #nope in docs/a.md',
      'docs/a.md:5: b.md#part-3: no heading #part-3 in docs/b.md',
      'docs/a.md:5: /docs/b.md: an absolute path (GitHub resolves it from the site root, not the repository)',
      'docs/a.md:10: ../README.md#no-such: no heading #no-such in README.md',
    ]);
  });

  it("passes on this repository's Markdown files", () => {
    const paths = markdownFiles();
    expect(paths).toContain('apps/receiver/README.md');
    const texts = new Map(paths.map((path) => [path, readFileSync(join(REPO_ROOT, path), 'utf8')]));
    const exists = (path: string) => existsSync(join(REPO_ROOT, path));
    expect(brokenLinks(texts, exists)).toEqual([]);
  });
});
