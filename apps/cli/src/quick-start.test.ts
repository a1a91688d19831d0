import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.js';
import { runsUntilStopped } from './quick-start.js';

/** The program's command at `path` (`events tail`), as commander hands it to a preAction hook. */
function commandAt(path: string) {
  let command = buildProgram();
  for (const name of path.split(' ')) {
    const next = command.commands.find((sub) => sub.name() === name);
    if (!next) throw new Error(`no command ${path}`);
    command = next;
  }
  return command;
}

describe('which commands keep V8 default wasm compilation (quick-start.ts)', () => {
  it('the servers and the stream: listen, sandbox, demo, events tail', () => {
    for (const path of ['listen', 'sandbox', 'demo', 'events tail'])
      expect(runsUntilStopped(commandAt(path)), path).toBe(true);
  });

  it('every other command ends after a few requests, sandbox and events subcommands included', () => {
    for (const path of [
      'events list',
      'events show',
      'sandbox order',
      'webhooks list',
      'webhooks sync',
      'login',
      'trigger',
      'app install',
    ])
      expect(runsUntilStopped(commandAt(path)), path).toBe(false);
  });
});
