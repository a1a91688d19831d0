/**
 * A closed stdout (`srhooks … | head -3`) ends the CLI quietly, as it ends other Unix tools,
 * instead of Node's "Unhandled 'error' event … write EPIPE" stack trace:
 *
 * 1. the first EPIPE on stdout stops the command: a long-running one (`listen`, `sandbox`, `demo`,
 *    anything waiting in `untilInterrupted()`) gets the same graceful stop as Ctrl-C, anything
 *    else exits at once with the exit code so far (0 unless it already failed);
 * 2. later write errors of the closed stream are ignored;
 * 3. an EPIPE on stderr is ignored (nowhere left to report it).
 *
 * The fallback exit after a graceful stop uses an unref'd timer on purpose: it must not keep the
 * process alive once the stop has finished by itself.
 */

const GRACEFUL_STOP_MS = 5_000;

function isClosedPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

export function endQuietlyOnClosedPipe(proc: NodeJS.Process = process): void {
  let closed = false;
  proc.stdout.on('error', (error) => {
    if (!isClosedPipe(error)) throw error;
    if (closed) return;
    closed = true;
    if (proc.listenerCount('SIGINT') > 0) {
      proc.emit('SIGINT', 'SIGINT');
      setTimeout(() => proc.exit(), GRACEFUL_STOP_MS).unref();
      return;
    }
    proc.exit();
  });
  proc.stderr.on('error', (error) => {
    if (!isClosedPipe(error)) throw error;
  });
}
