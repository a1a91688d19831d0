/**
 * One rule for every environment variable the receiver reads: set but empty (or only spaces) is a
 * configuration error naming the variable — never silently "unset", which would fall back to the file
 * or the default (an empty SRHOOKS_RECOVERY_LOOK_BACK_DAYS= read 3 days, an empty
 * SRHOOKS_APP_CLIENT_SECRET= took the file's). No variable documents empty as meaningful.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_ENV_VARIABLES } from '../app-mode/app-env.js';
import { ConfigError } from './config-error.js';
import { ENV_VARIABLES } from './env-config.js';
import { loadConfig } from './load-config.js';

const SECRET = 'a-very-secret-value-0001';
const dir = mkdtempSync(join(tmpdir(), 'srhooks-env-blank-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VARIABLES = [...Object.keys(ENV_VARIABLES), ...Object.keys(APP_ENV_VARIABLES), 'SRHOOKS_CONFIG'];

describe('environment variables set but empty', () => {
  it('covers every variable the receiver reads', () => {
    expect(VARIABLES).toContain('SRHOOKS_RECOVERY_LOOK_BACK_DAYS');
    expect(VARIABLES.length).toBe(Object.keys(ENV_VARIABLES).length + 5);
  });

  it.each(VARIABLES.flatMap((variable) => ['', '  '].map((raw) => [variable, raw] as const)))(
    '%s=%j is refused naming the variable',
    (variable, raw) => {
      const env: Record<string, string> = { SRHOOKS_SECRETS: SECRET, [variable]: raw };
      let error: unknown;
      try {
        loadConfig({ env, cwd: dir });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const issue = (error as ConfigError).issues.find((item) => item.key === variable);
      expect(issue?.message).toBe('is set but empty: remove it or give a value');
      expect((error as Error).message).toContain(`${variable}: is set but empty: remove it or give a value`);
    },
  );
});
