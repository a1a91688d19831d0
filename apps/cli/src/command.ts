import type { ExitCode } from './cli-error.js';
import type { Output, Style } from './output/index.js';

/** What every command action gets besides its own options. */
export interface CommandContext {
  readonly output: Output;
  readonly env: Record<string, string | undefined>;
  readonly debug: boolean;
  /**
   * Resolves when the user presses Ctrl-C or the process gets SIGTERM (long-running commands:
   * `sandbox`, `listen`). The handlers are installed on first call.
   */
  untilInterrupted(): Promise<NodeJS.Signals>;
}

/**
 * A command module: `run` does the work and returns a plain result object (what `--json`
 * prints); `render` turns it into human text; `exitCode` lets a printed result still fail the
 * process (e.g. `trigger` got a 500). Only cli.ts's top level turns that into `process.exitCode`.
 */
export interface Command<Options, Result> {
  run(options: Options, context: CommandContext): Promise<Result>;
  render?(result: Result, style: Style): string;
  exitCode?(result: Result): ExitCode;
  /**
   * Long-running commands (`sandbox`, `listen`) print as they go (human lines, or one JSON
   * document per line under `--json`); their final result is not printed again.
   */
  streaming?: boolean;
}

export function defineCommand<Options, Result>(command: Command<Options, Result>): Command<Options, Result> {
  return command;
}
