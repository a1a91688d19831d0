/** A `ReceiverProcess` for `runReceiver` in tests: its env and cwd given, stderr and exit codes recorded. */
import { EventEmitter } from 'node:events';
import type { ReceiverProcess } from '../run-receiver.js';

export class FakeProcess extends EventEmitter implements ReceiverProcess {
  readonly stderrText: string[] = [];
  readonly exits: number[] = [];
  exitCode: number | string | undefined = undefined;
  readonly stderr = { write: (text: string) => this.stderrText.push(text) };
  constructor(
    readonly env: Record<string, string | undefined>,
    private readonly dir: string,
  ) {
    super();
  }
  cwd(): string {
    return this.dir;
  }
  exit(code: number): void {
    this.exits.push(code);
  }
}
