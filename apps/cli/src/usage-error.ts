import type { CommanderError } from 'commander';
import { CliError, EXIT_CODES } from './cli-error.js';
import { withoutNameMarks } from './cli-invocation.js';
import { jsonRequested } from './json-flag.js';

/**
 * Usage errors commander catches itself (unknown options and commands, bad option values, missing
 * arguments): commander has already printed them on stderr, so this only turns one into the
 * CliError that `--json` prints on stdout as `{"error": …}`.
 */

/** `commander.unknownOption` → `unknown_option`. */
function codeOf(error: CommanderError): string {
  const name = error.code.replace(/^commander\./, '');
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) || 'usage';
}

export function cliErrorFromCommander(error: CommanderError): CliError {
  const lines = error.message
    .replace(/^error:\s*/i, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const message = lines[0] ?? 'invalid usage';
  // commander's suggestion line is "(Did you mean --search?)"
  const suggestion = lines
    .slice(1)
    .join(' ')
    .replace(/^\((.*)\)$/, '$1');
  return new CliError(message, {
    code: codeOf(error),
    exitCode: EXIT_CODES.usage,
    hint: suggestion ? `${suggestion} (add --help for usage)` : 'add --help for usage',
    cause: error,
  });
}

/** Under `--json`, prints the usage error as `{"error": …}` on stdout (stderr has the text). */
export function reportUsageErrorAsJson(error: CommanderError, argv: readonly string[]): void {
  if (!jsonRequested(argv)) return;
  process.stdout.write(
    `${withoutNameMarks(JSON.stringify({ error: cliErrorFromCommander(error).toJSON() }))}\n`,
  );
}
