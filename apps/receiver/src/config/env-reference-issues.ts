/**
 * `${VAR}` references to unset environment variables in the handler settings the receiver resolves
 * at start (processing/handlers/brokers/env-reference.ts): found over the written configuration, so
 * every missing variable is listed with the configuration's other problems, each on the key of its
 * setting. An unset variable has no value to quote; the setting's text is not quoted either.
 */
import { ENV_REFERENCE, envValueSet, unsetReferenceMessage } from './env-reference-text.js';

/** The settings resolved from the environment, by handler type. */
const RESOLVED_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  forward: ['url', 'secret'],
  nats: ['servers', 'user', 'password', 'token'],
  amqp: ['url'],
  'redis-stream': ['url'],
};

export interface EnvReferenceIssue {
  readonly code: 'custom';
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** One issue per unset (or empty) variable a handler setting refers to, in the order written. */
export function missingEnvReferenceIssues(
  handlers: unknown,
  env: Readonly<Record<string, string | undefined>>,
): EnvReferenceIssue[] {
  if (typeof handlers !== 'object' || handlers === null || Array.isArray(handlers)) return [];
  const issues: EnvReferenceIssue[] = [];
  for (const [name, handler] of Object.entries(handlers as Record<string, unknown>)) {
    if (typeof handler !== 'object' || handler === null) continue;
    const settings = RESOLVED_SETTINGS[String((handler as Record<string, unknown>).type)] ?? [];
    for (const setting of settings) {
      const value = (handler as Record<string, unknown>)[setting];
      const values: [readonly PropertyKey[], unknown][] = Array.isArray(value)
        ? value.map((item, index) => [['handlers', name, setting, index], item])
        : [[['handlers', name, setting], value]];
      for (const [path, text] of values) {
        if (typeof text !== 'string') continue;
        const named = new Set<string>();
        for (const match of text.matchAll(ENV_REFERENCE)) {
          const variable = match[1] as string;
          if (named.has(variable) || envValueSet(env, variable)) continue;
          named.add(variable);
          issues.push({ code: 'custom', path, message: unsetReferenceMessage(variable) });
        }
      }
    }
  }
  return issues;
}
