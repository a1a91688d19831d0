import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileProblem, JsonSyntaxError, parseJsonText } from '@srhooks/contracts';
import { SandboxConfigError } from '../errors.js';

/**
 * A JSON document persisted to one file. Writes are coalesced: `markDirty()` any number of times
 * in one tick leads to one write (temp file + rename, so a crash never leaves half a file).
 */
export class JsonFileStore<T> {
  private dirty = false;
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    readonly path: string,
    private readonly snapshot: () => T,
  ) {}

  /** The stored document, or undefined when the file does not exist yet. */
  static read<T>(path: string, isValid: (value: unknown) => value is T): T | undefined {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SandboxConfigError(
        'data_file_unreadable',
        `data file ${path} (--data) ${fileProblem(error)}; give --data a file path (one that does not exist yet is created), or leave --data out to keep the state in memory.`,
      );
    }
    let parsed: unknown;
    try {
      // a syntax error is named by line and column, quoting nothing (the file holds orders)
      parsed = parseJsonText(text, `data file ${path}`);
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      throw new SandboxConfigError(
        'data_file_corrupt',
        `${error.message}; ${error.fix}, or move the file away to start fresh.`,
      );
    }
    if (!isValid(parsed)) {
      throw new SandboxConfigError(
        'data_file_corrupt',
        `data file ${path} is not a sandbox data file; move it away or pass another --data path.`,
      );
    }
    return parsed;
  }

  markDirty(): void {
    this.dirty = true;
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes now if anything changed since the last write. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.snapshot()));
    renameSync(temp, this.path);
  }
}
