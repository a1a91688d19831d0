/**
 * The README documents every command the CLI has, as `--help` shows them: each subcommand
 * (`deliveries reprocess`) is named in the README section about its command, as are its options,
 * and every alias (`webhooks ls`, …) is named.
 * Walks the built CLI's help (`srhooks … --help`), so a new flag or alias without documentation
 * fails here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_PATH } from './test-support/run-cli.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
/** Commands documented together under a heading that names them in words. */
const ADMIN_SECTION = '## Events, deliveries, dead letters, handlers, prune and recover';
const SECTION_OF: Record<string, string> = {
  events: ADMIN_SECTION,
  deliveries: ADMIN_SECTION,
  'dead-letters': ADMIN_SECTION,
  handlers: ADMIN_SECTION,
  prune: ADMIN_SECTION,
  recover: ADMIN_SECTION,
  shops: '## Credentials',
  logout: '## Credentials',
  login: '## Credentials',
};

function help(path: readonly string[]): string {
  return execFileSync(process.execPath, [CLI_PATH, ...path, '--help'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
}

function entries(text: string, title: string): string[] {
  const start = text.indexOf(`\n${title}:\n`);
  if (start < 0) return [];
  return (text.slice(start + title.length + 3).split('\n\n')[0] ?? '')
    .split('\n')
    .filter((line) => /^ {2}\S/.test(line));
}

/** The README section (from its `## ` heading to the next) about top-level command `name`. */
function sectionFor(name: string): string {
  const heading = SECTION_OF[name];
  const lines = readme.split('\n');
  const start = lines.findIndex((line) =>
    heading ? line.startsWith(heading) : /^## /.test(line) && line.includes(`\`${name}`),
  );
  if (start < 0) return '';
  const end = lines.findIndex((line, index) => index > start && /^## /.test(line));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

interface Found {
  path: string[];
  options: string[];
  aliases: string[];
}

function walk(path: string[], out: Found[]): Found[] {
  const text = help(path);
  const options = entries(text, 'Options')
    .map((line) => /^ {2}(?:-\w, )?(--[\w-]+)/.exec(line)?.[1] ?? '')
    .filter((option) => option !== '' && option !== '--help');
  const commands = entries(text, 'Commands').map((line) => /^ {2}([\w|-]+)/.exec(line)?.[1] ?? '');
  const aliases: string[] = [];
  for (const command of commands) {
    const [name, ...alias] = command.split('|');
    if (!name || name === 'help') continue;
    aliases.push(...alias.map((a) => `${[...path, name].join(' ')}|${a}`));
    walk([...path, name], out);
  }
  out.push({ path, options, aliases });
  return out;
}

const commands = walk([], []);

describe('the README and --help', () => {
  it('found the commands', () => {
    expect(commands.length).toBeGreaterThan(20);
  });

  it.each(commands.filter((c) => c.path.length > 0).map((c) => [c.path.join(' '), c] as const))(
    'srhooks %s: every option is in its README section',
    (_name, command) => {
      const section = sectionFor(command.path[0] ?? '');
      expect(section, `a README section about ${command.path[0]}`).not.toBe('');
      const missing = command.options.filter((option) => !new RegExp(`${option}(?![\\w-])`).test(section));
      expect(missing).toEqual([]);
    },
  );

  it.each(commands.filter((c) => c.path.length > 1).map((c) => [c.path.join(' '), c] as const))(
    'srhooks %s: the command is named in its README section',
    (name, command) => {
      expect(sectionFor(command.path[0] ?? '')).toContain(name);
    },
  );

  it('every alias is named in the README', () => {
    const missing = commands
      .flatMap((command) => command.aliases)
      .filter((entry) => {
        const alias = entry.split('|')[1] ?? '';
        return !new RegExp(`\`(?:srhooks )?(?:[\\w-]+ )*${alias}\`|\\b${alias}\\b[^\\n]*\\balias`).test(
          readme,
        );
      });
    expect(missing).toEqual([]);
  });
});
