import { withoutNameMarks } from '../cli-invocation.js';
import { type Spinner, startSpinner } from './spinner.js';
import { colorEnabled, createStyle, type Style } from './style.js';
import { neutralizeControls, terminalSafeJson } from './terminal-text.js';

type TextStream = NodeJS.WritableStream & { isTTY?: boolean };

export interface OutputOptions {
  /** `--json`: the result goes to stdout as JSON, everything else to stderr, no spinners. */
  json: boolean;
  /** `--no-color`. */
  noColor?: boolean;
  env?: Record<string, string | undefined>;
  stdout?: TextStream;
  stderr?: TextStream;
  /**
   * Rewrites the srhooks commands human text tells the user to run the way this process was started
   * (`commandMentions` in cli-invocation.ts); JSON is printed as it is.
   */
  commandMentions?: (text: string) => string;
}

/**
 * Where every byte the CLI prints goes through. Results go to stdout (human text or JSON);
 * logs, warnings and progress go to stderr so `srhooks … --json | jq` always sees one document.
 */
export class Output {
  readonly json: boolean;
  /** Styling for stdout. */
  readonly style: Style;
  /** Styling for stderr. */
  readonly errStyle: Style;
  private readonly stdout: TextStream;
  private readonly stderr: TextStream;
  private readonly animate: boolean;
  private readonly mentions: (text: string) => string;

  constructor(options: OutputOptions) {
    const env = options.env ?? process.env;
    this.json = options.json;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.style = createStyle(
      !this.json &&
        colorEnabled({ env, isTTY: this.stdout.isTTY === true, noColorFlag: options.noColor === true }),
    );
    this.errStyle = createStyle(
      colorEnabled({ env, isTTY: this.stderr.isTTY === true, noColorFlag: options.noColor === true }),
    );
    // a spinner clears its line with an escape code a dumb terminal (TERM=dumb) prints as it is
    this.animate =
      !this.json && this.stdout.isTTY === true && this.stderr.isTTY === true && env.TERM !== 'dumb';
    // Human text only: a --json document is escaped by JSON itself, and by terminalSafeJson for the
    // characters JSON leaves raw (C1 controls, bidi overrides; terminal-text.ts). Both styles
    // write marks, not escapes (own-escapes.ts): every human line goes through neutralizeControls,
    // which shows escapes that came with data as <U+001B> and turns only the marks into colours.
    const mentions = options.commandMentions ?? withoutNameMarks;
    this.mentions = (text) => withoutNameMarks(mentions(neutralizeControls(text)));
  }

  /** Prints a command's result: JSON under `--json`, otherwise the human rendering (if any). */
  result<T>(value: T, human?: (value: T, style: Style) => string): void {
    if (this.json) {
      this.stdout.write(`${terminalSafeJson(value, 2)}\n`);
      return;
    }
    if (!human) return;
    const text = this.mentions(human(value, this.style));
    if (text.length > 0) this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** One JSON document per line on stdout (`--json` streams such as `listen`). */
  jsonLine(value: unknown): void {
    this.stdout.write(`${terminalSafeJson(value)}\n`);
  }

  /** A line of human output on stdout (live streams such as `listen`). */
  line(text: string): void {
    this.stdout.write(`${this.mentions(text)}\n`);
  }

  /** Progress and information: stderr. */
  info(message: string): void {
    this.stderr.write(`${this.mentions(message)}\n`);
  }

  /**
   * A progress line on stderr for where no spinner is seen (stderr or stdout not a terminal, `--json`):
   * a CI or cron log gets it as the work goes on. Nothing where a spinner animates.
   */
  progress(message: string): void {
    if (!this.animate) this.info(message);
  }

  warn(message: string): void {
    this.stderr.write(`${this.mentions(`${this.errStyle.yellow('warning:')} ${message}`)}\n`);
  }

  /** Reports an error on stderr: one line, plus the fix on a second line when there is one. */
  error(message: string, hint?: string): void {
    this.stderr.write(`${this.mentions(`${this.errStyle.red('error:')} ${message}`)}\n`);
    if (hint) this.stderr.write(`${this.mentions(this.errStyle.dim(hint))}\n`);
  }

  /** Raw text on stderr (stack traces under `--debug`). */
  debug(text: string): void {
    const shown = withoutNameMarks(neutralizeControls(text));
    this.stderr.write(shown.endsWith('\n') ? shown : `${shown}\n`);
  }

  spinner(text: string): Spinner {
    return startSpinner(text, {
      stream: this.stderr,
      animate: this.animate,
      tick: this.errStyle.green('✔'),
      cross: this.errStyle.red('✖'),
      shown: this.mentions,
    });
  }
}
