/**
 * A `${VAR}` reference in a handler setting, and what is said of one whose variable is unset: one
 * definition for the configuration check (env-reference-issues.ts, every missing variable listed) and
 * the resolution when a handler is built (processing/handlers/brokers/env-reference.ts).
 */

/** `${NAME}`: the variable's name in group 1 (global: use with matchAll / replace). */
export const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Whether `name` has a value in `env` (an empty one counts as unset). */
export function envValueSet(env: Readonly<Record<string, string | undefined>>, name: string): boolean {
  const value = env[name];
  return value !== undefined && value !== '';
}

/** The problem of a reference to an unset variable, after the setting's key. */
export function unsetReferenceMessage(name: string): string {
  return `refers to \${${name}}, but the environment variable ${name} is not set; set it (or write the value into the config)`;
}
