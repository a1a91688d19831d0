/**
 * The README's Configuration table lists every environment variable the receiver reads
 * (ENV_VARIABLES, app mode's APP_ENV_VARIABLES, SRHOOKS_CONFIG) and no other; the Operations
 * guide's "Environment" list names each of them or says where the rest are.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_ENV_VARIABLES } from './app-mode/app-env.js';
import { ENV_VARIABLES } from './config/env-config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const read = [...Object.keys(ENV_VARIABLES), ...Object.keys(APP_ENV_VARIABLES), 'SRHOOKS_CONFIG'].sort();

function section(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) return '';
  const level = heading.split(' ')[0] ?? '##';
  const next = readme.slice(start + heading.length + 2).search(new RegExp(`\\n#{2,${level.length}} `));
  return readme.slice(start, next < 0 ? undefined : start + heading.length + 2 + next);
}

describe("the receiver README's configuration", () => {
  it('the Configuration table has one row per variable the receiver reads', () => {
    const rows = section('## Configuration')
      .split('\n')
      .map((line) => /^\| `([A-Z_]+)`/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
    expect(rows).toEqual(read);
  });

  it("the Operations guide's Environment list names the app-mode variables", () => {
    const environment = section('### Environment');
    expect(environment).not.toBe('');
    for (const name of Object.keys(APP_ENV_VARIABLES)) expect(environment).toContain(`\`${name}\``);
  });
});
