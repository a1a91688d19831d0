/**
 * The root README's Configuration table says which program reads each variable. Each claim is
 * checked against the app that makes it true: the receiver's Configuration table (docs/configuration.md, itself
 * checked against the receiver's code), the CLI README's "Environment variables" table (which
 * commands read what), and the sandbox's own command line (main-options.ts). So "`X` | CLI" for a
 * variable only some commands read, or "sandbox" for a variable only one of the two sandbox
 * programs reads, fails here.
 */
import { describe, expect, it } from 'vitest';
import { readRepoFile } from './repo-root.js';

/** The cells of a markdown table row (a `|` inside backticks is not a separator). */
function cells(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let code = false;
  for (const char of line.trim().slice(1, -1)) {
    if (char === '`') code = !code;
    if (char === '|' && !code) {
      out.push(current.trim());
      current = '';
    } else current += char;
  }
  out.push(current.trim());
  return out;
}

/** The body rows of the first table under `heading` (from the heading, perhaps the file's first line, to the next `## `). */
function tableRows(markdown: string, heading: string): string[][] {
  const text = `\n${markdown}`;
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no "${heading}" section`);
  const rest = text.slice(start + heading.length + 2);
  const section = rest.slice(0, rest.search(/\n## /) < 0 ? undefined : rest.search(/\n## /));
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map(cells);
}

const VARIABLE = /^[A-Z][A-Z0-9_]*$/;
const backticked = (text: string): string[] =>
  [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
const variablesIn = (text: string): string[] => backticked(text).filter((token) => VARIABLE.test(token));

const root = tableRows(readRepoFile('README.md'), '## Configuration').map(
  ([names = '', usedBy = '', meaning = '']) => ({
    names: variablesIn(names),
    usedBy,
    meaning,
  }),
);
const receiverReads = new Set(
  tableRows(readRepoFile('apps/receiver/docs/configuration.md'), '# Configuration').flatMap(([name = '']) =>
    variablesIn(name),
  ),
);
const cliUse = new Map<string, string>(
  tableRows(readRepoFile('apps/cli/README.md'), '## Environment variables').flatMap(
    ([names = '', usedBy = '']) => variablesIn(names).map((name): [string, string] => [name, usedBy]),
  ),
);
const sandboxMain = readRepoFile('apps/sandbox/src/main-options.ts');

describe("the root README's Configuration table", () => {
  it('has rows for the receiver, the CLI and the sandbox', () => {
    expect(root.some((row) => /\breceiver\b/.test(row.usedBy))).toBe(true);
    expect(root.some((row) => /\bCLI\b/.test(row.usedBy))).toBe(true);
    expect(root.some((row) => /\bsandbox\b/.test(row.usedBy))).toBe(true);
  });

  it('gives the receiver only variables the receiver reads', () => {
    for (const row of root.filter((r) => /\breceiver\b/.test(r.usedBy))) {
      for (const name of row.names) expect(receiverReads, `${name} (receiver)`).toContain(name);
    }
  });

  it('gives the CLI only variables it reads, and only for the commands that read them', () => {
    for (const row of root) {
      const at = row.usedBy.search(/\bCLI\b/);
      if (at < 0) continue;
      const part = row.usedBy.slice(at + 3);
      // "CLI `app` (`SRHOOKS_APP_ID`)": the CLI reads only the variables named there
      const named = variablesIn(part).filter((name) => row.names.includes(name));
      const commands = backticked(part).filter((token) => !VARIABLE.test(token));
      for (const name of named.length > 0 ? named : row.names) {
        const cli = cliUse.get(name);
        expect(cli, `${name} is not in the CLI README's Environment variables table`).toBeDefined();
        if (cli === undefined || cli === 'all') continue;
        if (commands.length === 0) {
          // a bare "CLI" claims every command; fine only for a flag's default (used where the flag is)
          expect(row.meaning, `${name}: "CLI", but the CLI README says only ${cli}`).toMatch(/`--[a-z]/);
        }
        for (const command of commands) {
          expect(cli, `${name}: the CLI README does not say \`${command}\` reads it`).toMatch(
            new RegExp(`\`[^\`]*\\b${command}\\b[^\`]*\``),
          );
        }
      }
    }
  });

  it('gives the sandbox only variables it reads, naming which sandbox program when only one does', () => {
    for (const row of root.filter((r) => /\bsandbox\b/.test(r.usedBy))) {
      for (const name of row.names) {
        expect(sandboxMain, `${name}: node apps/sandbox/dist/main.js does not read it`).toContain(
          `env.${name}`,
        );
        const cli = cliUse.get(name);
        if (cli === 'all' || /\bsandbox\b/.test(cli ?? '')) continue;
        // `srhooks sandbox` does not read it: the row must say it is main.js's alone
        expect(row.usedBy, `${name}: srhooks sandbox does not read it`).toContain('main.js');
      }
    }
  });
});
