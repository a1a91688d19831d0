import type { Command as Commander } from 'commander';
import { cliPrefix, commandMentions } from './cli-invocation.js';
import type { Command } from './command.js';
import { createCommandContext } from './command-context.js';
import { Output } from './output/index.js';

/** Global flags (declared on the program, accepted before or after the subcommand). */
export interface GlobalFlags {
  json?: boolean;
  debug?: boolean;
  color?: boolean;
}

export function globalFlags(command: Commander): GlobalFlags {
  return command.optsWithGlobals<GlobalFlags>();
}

/**
 * The Output of this process. Given the program, its human text names srhooks commands the way the
 * user started this one (`npm run srhooks -- login …` in a checkout; `commandMentions`).
 */
export function createOutput(flags: GlobalFlags, program?: Commander): Output {
  return new Output({
    json: flags.json === true,
    noColor: flags.color === false,
    ...(program === undefined
      ? {}
      : { commandMentions: commandMentions(cliPrefix(process.env, process.argv[1]), commandNames(program)) }),
  });
}

/** The top-level commands of the program `command` belongs to, with their aliases. */
function commandNames(command: Commander): string[] {
  let program = command;
  while (program.parent) program = program.parent;
  return program.commands.flatMap((top) => [top.name(), ...top.aliases()]);
}

/**
 * Runs one command module for a commander action: builds the context from the global flags,
 * prints the result (JSON or human) and reports a failing result through `process.exitCode`.
 * Errors propagate to cli.ts's top level, which prints them and sets the exit code.
 */
export async function runCommand<Options, Result>(
  invocation: Commander,
  command: Command<Options, Result>,
  options: Options,
): Promise<void> {
  const flags = globalFlags(invocation);
  const output = createOutput(flags, invocation);
  const result = await command.run(
    options,
    createCommandContext({ output, debug: flags.debug === true || process.env.SRHOOKS_DEBUG === '1' }),
  );
  if (!command.streaming) output.result(result, command.render?.bind(command));
  const code = command.exitCode?.(result);
  if (code !== undefined && code !== 0) process.exitCode = code;
}
