/** Helpers of the config tests (load-config*.test.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config-error.js';

export const SECRET_A = 'a-very-secret-value-0001';
export const SECRET_B = 'b-very-secret-value-0002';

/** Writes a config file (JSON of `content`, or `content` as it is when a string) into `dir`. */
export function writeConfigIn(dir: string, content: unknown, name = 'srhooks.config.json'): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The ConfigError `run` throws (fails the test when it throws none, or another error). */
export function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
