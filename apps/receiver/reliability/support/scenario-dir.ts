/** A scenario's tmp directory (SQLite file, config, receiver log); removed unless the scenario failed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ScenarioDir {
  readonly path: string;
  file(name: string): string;
  /** Removes the directory; keeps it (and says where) when `keep` is true, for post-mortems. */
  remove(keep: boolean): void;
}

export function scenarioDir(name: string): ScenarioDir {
  const path = mkdtempSync(join(tmpdir(), `srhooks-reliability-${name}-`));
  return {
    path,
    file: (fileName) => join(path, fileName),
    remove(keep) {
      if (keep) {
        process.stderr.write(`[reliability] ${name}: kept ${path} for inspection\n`);
        return;
      }
      rmSync(path, { recursive: true, force: true });
    },
  };
}
