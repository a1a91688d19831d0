/**
 * What the receiver process does with an error nothing caught — in practice a `module` handler's:
 * a promise it started and did not await (`Promise.reject(…)`, a `fetch(…)` whose failure nobody
 * handles), or an exception thrown in its timer or event callback.
 *
 * Node's default ends the process and prints the error's stack, whose message often quotes the order
 * (a customer's e-mail, name or address); and since the job had not finished, it ran again after its
 * lease and ended the next process too. Instead:
 *
 * - an unhandled rejection is logged at error, code `unhandled_rejection`, with the error's type, its
 *   `code` and where it was raised (the first stack frame: file, line, column) — never its text — and
 *   the receiver goes on (the handler's own attempt has already ended by then);
 * - an uncaught exception is logged the same way at fatal, code `uncaught_exception`, and the process
 *   exits with 1: after one, Node cannot promise its state is sound (a job it cut short runs again
 *   after the restart).
 */
import type { Logger } from 'pino';

export type ProcessFault = 'unhandledRejection' | 'uncaughtException';

export interface FaultProcess {
  on(event: ProcessFault, listener: (error: unknown) => void): unknown;
  exit(code: number): void;
  readonly stderr: { write(text: string): unknown };
}

/** The parts of an error that never quote data: its type, `code` and first stack frame. */
export function faultSummary(error: unknown): { type: string; code?: string; at?: string } {
  if (!(error instanceof Error)) return { type: error === null ? 'null' : typeof error };
  const code = (error as { code?: unknown }).code;
  const frame = (error.stack ?? '')
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith('at '));
  return {
    type: error.name || error.constructor.name || 'Error',
    ...(typeof code === 'string' && code !== '' ? { code } : {}),
    ...(frame ? { at: frame.slice(3) } : {}),
  };
}

const REJECTION =
  'a promise was rejected and nothing handled it, usually in a module handler that started work without awaiting it (await it, or add .catch()); the receiver goes on. Its text is not logged (it may quote personal data): "at" says where it was raised';
const EXCEPTION =
  'an exception nothing caught, usually thrown in a module handler\'s timer or callback (catch it there, or make the callback part of the awaited work); the receiver exits (1); a job it interrupted runs again after the restart. Its text is not logged (it may quote personal data): "at" says where it was thrown';

/**
 * Installs both listeners. `logger()` is the receiver's logger once it is built; before that (a
 * handler file imported during start-up) the line goes to stderr as JSON in the same shape.
 */
export function watchProcessFaults(proc: FaultProcess, logger: () => Logger | undefined): void {
  const write = (level: 'error' | 'fatal', code: string, error: unknown, message: string): void => {
    const fields = { code, error: faultSummary(error) };
    const log = logger();
    if (log) log[level](fields, message);
    else
      proc.stderr.write(
        `${JSON.stringify({ level: level === 'error' ? 50 : 60, ...fields, msg: message })}\n`,
      );
  };
  proc.on('unhandledRejection', (reason) => write('error', 'unhandled_rejection', reason, REJECTION));
  proc.on('uncaughtException', (error) => {
    write('fatal', 'uncaught_exception', error, EXCEPTION);
    proc.exit(1);
  });
}
