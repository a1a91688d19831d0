import type { Command as Commander } from 'commander';
import { toCliError } from './error-report.js';
import type { GlobalFlags } from './run-command.js';
import { createOutput } from './run-command.js';

/**
 * Prints an error the way every command does: `error: …` and the fix on stderr (plus, under
 * `--json`, `{"error": {...}}` on stdout so scripts always get a document); the stack only with
 * `--debug`. Returns the exit code for the top level to set.
 */
export function reportError(error: unknown, flags: GlobalFlags, program?: Commander): number {
  const cliError = toCliError(error);
  const output = createOutput(flags, program);
  output.error(cliError.message, cliError.hint);
  if (flags.json) output.jsonLine({ error: cliError.toJSON() });
  if (flags.debug || process.env.SRHOOKS_DEBUG === '1') {
    const original = cliError.cause ?? cliError;
    output.debug(original instanceof Error ? (original.stack ?? original.message) : String(original));
  }
  return cliError.exitCode;
}
