/**
 * A small stderr spinner for work that takes a while (sync, listen start-up). Active only when
 * allowed (a terminal on both streams, not `--json`); otherwise it stays silent until the end and
 * prints the final line, so logs stay readable in CI.
 */

export interface Spinner {
  /** Changes the text while running. */
  update(text: string): void;
  /** Stops and prints `✔ text` (or the start text). */
  succeed(text?: string): void;
  /** Stops and prints `✖ text` (or nothing when no text is given). */
  fail(text?: string): void;
  /** Stops and erases the spinner line, printing nothing. */
  stop(): void;
}

export interface SpinnerOptions {
  stream: NodeJS.WritableStream;
  animate: boolean;
  /** Styled tick / cross. */
  tick: string;
  cross: string;
  /** Makes a line printable (Output's: data's control characters shown, the CLI's colours kept). */
  shown: (text: string) => string;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\u001b[2K';

export function startSpinner(initialText: string, options: SpinnerOptions): Spinner {
  let text = initialText;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    options.stream.write(`${CLEAR_LINE}${FRAMES[frame % FRAMES.length]} ${options.shown(text)}`);
    frame += 1;
  };
  if (options.animate) {
    draw();
    timer = setInterval(draw, 80);
    timer.unref();
  }
  const end = (line: string | undefined): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (options.animate) options.stream.write(CLEAR_LINE);
    if (line !== undefined) options.stream.write(`${options.shown(line)}\n`);
  };
  let done = false;
  const once =
    (fn: (value?: string) => void) =>
    (value?: string): void => {
      if (done) return;
      done = true;
      fn(value);
    };
  return {
    update(next) {
      text = next;
    },
    succeed: once((final) => end(`${options.tick} ${final ?? text}`)),
    fail: once((final) => end(final === undefined ? undefined : `${options.cross} ${final}`)),
    stop: once(() => end(undefined)),
  };
}
