/**
 * The command reference (docs/commands.md, linked from the README) documents every command the CLI
 * has, as `--help` shows them: each subcommand (`deliveries reprocess`) is named in the section about
 * its command, as are its options,
 * and every alias (`webhooks ls`, …) is named.
 * Walks the built CLI's help (`srhooks … --help`), so a new flag or alias without documentation
 * fails here.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_PATH } from './test-support/run-cli.js';

/** The command reference (moved out of the README, which links to it). */
const readme = readFileSync(new URL('../docs/commands.md', import.meta.url), 'utf8');
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

/**
 * Code spans that start with "srhooks" but quote no command: the HMAC label `srhooks secret
 * fingerprint` and log messages naming "another srhooks receiver".
 */
const PROSE_AFTER_SRHOOKS = new Set(['secret', 'receiver']);

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

  it('every srhooks command the READMEs and docs show exists (root, apps, packages, their docs/, examples)', () => {
    const repo = new URL('../../../', import.meta.url);
    const files = ['README.md'];
    for (const folder of ['apps', 'packages']) {
      for (const name of readdirSync(new URL(folder, repo))) {
        files.push(`${folder}/${name}/README.md`);
        try {
          for (const doc of readdirSync(new URL(`${folder}/${name}/docs`, repo))) {
            if (doc.endsWith('.md')) files.push(`${folder}/${name}/docs/${doc}`);
          }
        } catch {
          // no docs folder
        }
        if (folder !== 'apps') continue;
        try {
          for (const example of readdirSync(new URL(`${folder}/${name}/examples`, repo))) {
            files.push(`${folder}/${name}/examples/${example}/README.md`);
          }
        } catch {
          // no examples folder
        }
      }
    }
    /** Command paths and aliases: `events`, `event`, `events replay`, `events ls`, … */
    const known = new Set<string>();
    const withSubcommands = new Set<string>();
    for (const command of commands) {
      if (command.path.length === 0) continue;
      known.add(command.path.join(' '));
      if (command.path.length > 1) withSubcommands.add(command.path[0] ?? '');
    }
    for (const command of commands) {
      for (const entry of command.aliases) {
        const [path = '', alias = ''] = entry.split('|');
        const parent = path.split(' ').slice(0, -1);
        known.add([...parent, alias].join(' '));
        if (withSubcommands.has(path)) withSubcommands.add(alias);
        for (const sub of commands.filter((c) => c.path.length === 2 && c.path[0] === path)) {
          known.add(`${alias} ${sub.path[1]}`);
        }
      }
    }
    const unknown: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(new URL(file, repo), 'utf8');
      } catch {
        continue;
      }
      // `srhooks …` in a code span, or a code-block line that runs srhooks (also as npm run srhooks --)
      const shown = [
        ...[...text.matchAll(/`srhooks ([^`]+)`/g)].map((match) => match[1] ?? ''),
        ...[...text.matchAll(/^\s*(?:npm run (?:-s )?srhooks --|srhooks) ([^\n#]+)/gm)].map(
          (match) => match[1] ?? '',
        ),
      ];
      for (const args of shown) {
        const [first = '', second = ''] = args.trim().split(/\s+/);
        if (!/^[a-z][a-z-]*$/.test(first) || PROSE_AFTER_SRHOOKS.has(first)) continue;
        const name =
          withSubcommands.has(first) && /^[a-z][a-z-]*$/.test(second) ? `${first} ${second}` : first;
        if (!known.has(name)) unknown.push(`${file}: srhooks ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });
});
