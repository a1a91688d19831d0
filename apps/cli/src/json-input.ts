// the light subpath: the CLI's admin commands parse JSON without loading contracts' schemas (and zod)
import { JsonSyntaxError, parseJsonText } from '@srhooks/contracts/json-syntax';
import { CliError, EXIT_CODES } from './cli-error.js';

/**
 * JSON the user gives the CLI (`trigger --data FILE`, `sandbox --apps FILE` / `--shops FILE`,
 * `webhooks sync -f FILE`, listen.json, credentials.json). A syntax error is reported as contracts'
 * `parseJsonText` describes it (json-syntax.ts): the file or flag, the line and column and what to
 * do, quoting nothing of the file (it may be an order payload with a customer's name in it).
 */

export interface JsonInputOptions {
  /** What the text is, as the user knows it: `--data order.json`, `-f srhooks.json`, `/…/listen.json`. */
  source: string;
  /** The error's code; default `invalid_json`. */
  code?: string;
  /** What to do besides fixing the spot, e.g. "or leave --data out to send the built-in sample". */
  hint?: string;
}

/**
 * `JSON.parse(text)`, or a usage error (exit 2) naming `source`, the line and column of the syntax
 * error and what to do, quoting nothing of the text.
 */
export function parseJsonInput(text: string, options: JsonInputOptions): unknown {
  try {
    return parseJsonText(text, options.source);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    // the cause is left out on purpose: `--debug` prints the cause's stack
    throw new CliError(error.message, {
      code: options.code ?? 'invalid_json',
      exitCode: EXIT_CODES.usage,
      hint: `${error.fix}${options.hint ? `, ${options.hint}` : ''}`,
    });
  }
}
