/**
 * The root README is what a newcomer follows: its two commands, the way it runs the CLI and the
 * ports it names must be the ones the scripts and the code define.
 */
import { describe, expect, it } from 'vitest';
import { readRepoFile, rootScripts } from './repo-root.js';

const readme = readRepoFile('README.md');
const scripts = rootScripts();

/** The fenced block under "## The two commands". */
function twoCommandsBlock(): string {
  const section = readme.split(/^## The two commands$/m)[1]?.split(/^## /m)[0] ?? '';
  return /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
}

describe('the root README', () => {
  it('names exactly the two commands, and both are scripts of the root package.json', () => {
    const commands = twoCommandsBlock()
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm run demo', 'npm test']);
    expect(scripts.demo).toBeDefined();
    expect(scripts.test).toBeDefined();
    // CI runs the README's test command
    expect(readRepoFile('.ci/run')).toMatch(/^npm test\b/m);
  });

  it('every `npm run X` it mentions is a root script', () => {
    const mentioned = new Set([...readme.matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((match) => match[1]));
    expect(mentioned.size).toBeGreaterThan(0);
    for (const name of mentioned) expect(Object.keys(scripts)).toContain(name);
  });

  it('runs the CLI the fast way throughout: `npm run srhooks -- …`, the built binary', () => {
    expect(scripts.srhooks).toBe('node apps/cli/dist/cli.js');
    const cli = JSON.parse(readRepoFile('apps/cli/package.json')) as { bin: Record<string, string> };
    expect(cli.bin.srhooks).toBe('./dist/cli.js');
    expect(readme).toContain('npm run srhooks -- ');
    // the slow way (pnpm exec: seconds per command) is gone from the tour
    expect(readme).not.toMatch(/pnpm@[\d.]+ exec srhooks/);
  });

  it('the receiver command it says equals `pnpm --filter @srhooks/receiver start` is that start script', () => {
    const line = readme
      .split('\n')
      .find((text) => text.includes('# = pnpm --filter @srhooks/receiver start'));
    expect(line).toBeDefined();
    const receiver = JSON.parse(readRepoFile('apps/receiver/package.json')) as {
      scripts: Record<string, string>;
    };
    const start = receiver.scripts.start?.replace(/\bdist\/main\.js\b/, 'apps/receiver/dist/main.js');
    expect(line?.replace(/#.*$/, '').trim()).toBe(start);
  });

  it("states listen's and the sandbox's default ports as the code defines them", () => {
    const listen = /DEFAULT_LISTEN_PORT = (\d+)/.exec(
      readRepoFile('apps/cli/src/config/listen-defaults.ts'),
    )?.[1];
    const sandbox = /DEFAULT_SANDBOX_PORT = (\d+)/.exec(
      readRepoFile('apps/cli/src/commands/sandbox.ts'),
    )?.[1];
    expect(listen).toBeDefined();
    expect(sandbox).toBeDefined();
    expect(readme).toMatch(new RegExp(`listen[^\\n]*:${listen}`));
    expect(readme).toMatch(new RegExp(`sandbox[^\\n]*:${sandbox}`));
  });
});
