import type { Command as Commander } from 'commander';
import type { Command } from '../command.js';

/**
 * Loads the runner and the command module only when the command runs, so `--help` and
 * `--version` load nothing but commander and the wiring.
 */
export async function runLazily<Options, Result>(
  invocation: Commander,
  load: () => Promise<Command<Options, Result>>,
  options: Options,
): Promise<void> {
  const [{ runCommand }, command] = await Promise.all([import('../run-command.js'), load()]);
  await runCommand(invocation, command, options);
}
