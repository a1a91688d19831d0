/**
 * The one error type CLI actions throw. Only the top level (cli.ts) turns it into an exit code;
 * actions never call `process.exit`.
 */

/** Process exit codes of `srhooks`. */
export const EXIT_CODES = {
  ok: 0,
  /** Something failed that is not the caller's input nor the remote side (e.g. a write error). */
  failure: 1,
  /** Bad flags, arguments, config files or input data. */
  usage: 2,
  /** The shop API, the OAuth endpoint, a receiver, the sandbox or the network said no: a 404 (not found) too. */
  remote: 3,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export interface CliErrorOptions {
  /** Stable machine-readable code, e.g. `no_credentials`. */
  code?: string;
  exitCode?: ExitCode;
  /** The fix, printed on a second line: "run srhooks login --shop demo …". */
  hint?: string;
  cause?: unknown;
}

export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = options.code ?? 'failed';
    this.exitCode = options.exitCode ?? EXIT_CODES.failure;
    this.hint = options.hint;
  }

  toJSON(): { code: string; message: string; hint?: string; exitCode: number } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      exitCode: this.exitCode,
    };
  }
}

/** Bad flags, arguments or input files (exit 2). */
export function usageError(message: string, hint?: string, code = 'usage'): CliError {
  return new CliError(message, { code, exitCode: EXIT_CODES.usage, ...(hint ? { hint } : {}) });
}

/** The remote side (API, OAuth, receiver, network) failed (exit 3). */
export function remoteError(message: string, hint?: string, code = 'remote', cause?: unknown): CliError {
  return new CliError(message, {
    code,
    exitCode: EXIT_CODES.remote,
    ...(hint ? { hint } : {}),
    ...(cause === undefined ? {} : { cause }),
  });
}
