/**
 * The Configuration table (docs/configuration.md) lists every environment variable the receiver
 * reads (ENV_VARIABLES, app mode's APP_ENV_VARIABLES, SRHOOKS_CONFIG) and no other; its
 * "Environment" list (the variables that matter on a server) names each of them or says where the
 * rest are. The repository README's Configuration table names each of them too (its catch-all row
 * points to docs/configuration.md), so an operator reading only that table misses none.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { APP_ENV_VARIABLES } from './app-mode/app-env.js';
import { ReceiverConfigSchema } from './config/config-schema.js';
import { ENV_VARIABLES } from './config/env-config.js';

const configuration = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
const rootReadme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const read = [...Object.keys(ENV_VARIABLES), ...Object.keys(APP_ENV_VARIABLES), 'SRHOOKS_CONFIG'].sort();

/** From the line `heading` to the next heading of any level (or the end). */
function section(heading: string): string {
  const text = `\n${configuration}`;
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) return '';
  const body = start + heading.length + 2;
  const next = text.slice(body).search(/\n#{1,6} /);
  return text.slice(start, next < 0 ? undefined : body + next);
}

describe("the receiver's docs/configuration.md", () => {
  it('the Configuration table has one row per variable the receiver reads', () => {
    const rows = section('# Configuration')
      .split('\n')
      .map((line) => /^\| `([A-Z_]+)`/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
    expect(rows).toEqual(read);
  });

  // Before: the four rows gave no bounds, and a start with SRHOOKS_RECOVERY_LOOK_BACK_DAYS=400 was refused
  // ("must be at most 365") for a limit the table did not show.
  it.each([
    ['SRHOOKS_ADMIN_MAX_FAILURES', 'adminMaxFailures'],
    ['SRHOOKS_RECOVERY_INTERVAL_MINUTES', 'recoveryIntervalMinutes'],
    ['SRHOOKS_RECOVERY_LOOK_BACK_DAYS', 'recoveryLookBackDays'],
    ['SRHOOKS_RECOVERY_OVERLAP_SECONDS', 'recoveryOverlapSeconds'],
    ['SRHOOKS_MAX_CONNECTIONS', 'maxConnections'],
  ] as const)('the %s row gives the bounds the schema holds', (variable, key) => {
    const row = section('# Configuration')
      .split('\n')
      .find((line) => line.startsWith(`| \`${variable}\``));
    const number = (ReceiverConfigSchema.shape[key] as unknown as { unwrap(): z.ZodNumber }).unwrap();
    expect(row).toContain(`(${number.minValue} … ${number.maxValue})`);
  });

  it('the Environment list names the app-mode variables', () => {
    const environment = section('## Environment');
    expect(environment).not.toBe('');
    for (const name of Object.keys(APP_ENV_VARIABLES)) expect(environment).toContain(`\`${name}\``);
  });

  it("the repository README's Configuration table names every variable the receiver reads", () => {
    const start = rootReadme.indexOf('\n## Configuration\n');
    expect(start).toBeGreaterThan(0);
    const end = rootReadme.indexOf('\n## ', start + 1);
    const receiverRows = rootReadme
      .slice(start, end)
      .split('\n')
      .filter((line) => /^\|[^|]+\|[^|]*\breceiver\b/.test(line))
      .map((line) => line.split('|')[1] as string)
      .join(' ');
    const named = new Set([...receiverRows.matchAll(/`([A-Z_]+)`/g)].map((match) => match[1]));
    expect(read.filter((name) => !named.has(name))).toEqual([]);
  });
});
