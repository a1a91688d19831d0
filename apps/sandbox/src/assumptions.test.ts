import { readFileSync } from 'node:fs';
import { BUILT_DELIVERY_FIXTURES } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const readme = read('../../../packages/contracts/README.md');
const codeFiles = {
  sandbox: read('./assumptions.ts'),
  contracts: read('../../../packages/contracts/src/assumptions.ts'),
};
const STATUSES = ['documented', "shown in the documentation's screenshot", 'assumed'];

interface Row {
  id: string;
  statement: string;
  status: string;
  source: string;
}

/** The rows of the contracts README's assumptions table (`| id | statement | status | source |`). */
function tableRows(): Row[] {
  const start = readme.search(/^\|\s*id\s*\|\s*statement\s*\|\s*status\s*\|\s*source\s*\|\s*$/m);
  expect(start, 'the assumptions table is missing from packages/contracts/README.md').toBeGreaterThan(-1);
  const lines = readme.slice(start).split('\n');
  const rows: Row[] = [];
  for (const line of lines.slice(2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    const [id = '', statement = '', status = '', source = ''] = cells;
    rows.push({ id, statement, status, source });
  }
  return rows;
}

function tags(text: string): Set<string> {
  return new Set([...text.matchAll(/\[(A\d+)\]/g)].map((match) => match[1] as string));
}

describe('the assumptions table (packages/contracts/README.md) and the code follow each other', () => {
  const rows = tableRows();

  it('marks every statement documented, shown in the screenshot, or assumed, with unique ids by kind', () => {
    expect(rows.length).toBeGreaterThan(40);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    for (const row of rows) {
      expect(STATUSES, row.id).toContain(row.status);
      const kind = row.status === 'documented' ? 'D' : row.status === 'assumed' ? 'A' : 'S';
      expect(row.id, row.statement).toMatch(new RegExp(`^${kind}\\d+$`));
      if (row.status === 'documented') expect(row.source, row.id).not.toBe('—');
      if (row.status !== 'assumed')
        expect(row.source, row.id).toMatch(/\.(md|json|png)|FACTS\.md|fixtures\//);
    }
  });

  it('names every assumed row in src/assumptions.ts of the sandbox or of contracts, and nothing else', () => {
    const assumed = new Set(rows.filter((r) => r.status === 'assumed').map((r) => r.id));
    const inCode = new Set([...tags(codeFiles.sandbox), ...tags(codeFiles.contracts)]);
    expect([...assumed].filter((id) => !inCode.has(id))).toEqual([]);
    expect([...inCode].filter((id) => !assumed.has(id))).toEqual([]);
  });

  it.each([
    ['an uninstall deletes the app’s subscriptions and revokes its tokens', /uninstall.*tokens.*webHooks/i],
    [
      'an app’s client gets a token only where the app is installed',
      /token only on shops where the app is installed/,
    ],
    ['outer ids that look like an API id are refused', /outer id that decodes like an API id.*40005/],
    [
      'Payment API notification headers, stale age and default status',
      /Payment API notifications.*User-Agent.*stale.*active/,
    ],
    ['the token endpoint’s unsupported_grant_type', /grant_type.*400 `unsupported_grant_type`/],
    ['the access_credential 403 body', /access_credential.*Forbidden/],
    ['the delay limit', /webHookDelay.*at most 100 years/],
  ])('marks as assumed: %s', (_name, statement) => {
    const row = rows.find((r) => statement.test(r.statement));
    expect(row, String(statement)).toBeDefined();
    expect(row?.status).toBe('assumed');
  });

  it('marks as documented: the newsletter subscribers’ scope (sr-api-docs fixtures/scopes/scopes.json)', () => {
    const row = rows.find((r) =>
      /`newsletter\.subscriber:read` for `GET \/newsletterSubscribers/.test(r.statement),
    );
    expect(row?.status).toBe('documented');
    expect(row?.source).toContain('fixtures/scopes/scopes.json');
  });

  it('the root README links the table and marks its ShopRenter statements', () => {
    const root = read('../../../README.md');
    expect(root).toContain(
      'packages/contracts/README.md#what-srhooks-says-about-shoprenter-and-how-it-knows',
    );
    expect(root).toMatch(/no retries[^.]*assumed/i);
  });

  it('the built (not captured) fixtures named by A20 exist', () => {
    for (const file of BUILT_DELIVERY_FIXTURES) {
      expect(read(`../../../packages/contracts/fixtures/shoprenter/${file}`).length).toBeGreaterThan(0);
    }
  });
});
