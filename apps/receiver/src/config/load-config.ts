/**
 * Reads the receiver configuration: optional `srhooks.config.json` (or the file named by
 * `SRHOOKS_CONFIG`), then environment variables on top (env wins), validated with
 * {@link ReceiverConfigSchema}. Any problem throws one {@link ConfigError} naming every bad key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileProblem, JsonSyntaxError, parseJsonText } from '@srhooks/contracts';
import { meantName } from '@srhooks/contracts/meant-name';
import type { z } from 'zod';
import { APP_ENV_VARIABLES, mergeAppEnv } from '../app-mode/app-env.js';
import { writtenKeyIssues } from './config-cross-checks.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { configIssueText } from './config-issue-text.js';
import {
  configCrossFieldIssues,
  DEFAULT_SPOOL_MAX_BYTES,
  type ReceiverConfig,
  ReceiverConfigSchema,
} from './config-schema.js';
import { blankVariableIssue, readEnvConfig } from './env-config.js';
import { missingEnvReferenceIssues } from './env-reference-issues.js';
import { misspeltVariableIssues } from './env-variable-typo.js';
import { knownKeysAt } from './known-keys.js';

export const DEFAULT_CONFIG_FILE = 'srhooks.config.json';

export interface LoadConfigOptions {
  /** Defaults to `process.env`. */
  readonly env?: Record<string, string | undefined>;
  /** Directory the default config file and relative paths are resolved from; defaults to `process.cwd()`. */
  readonly cwd?: string;
  /**
   * The environment the handlers resolve their settings' `${VAR}`s from (buildReceiver's
   * `processing.env`, when an embedding application gives one); defaults to `env`. The check that
   * every such variable is set reads this one, so it says what the handlers will find.
   */
  readonly referenceEnv?: Record<string, string | undefined>;
}

/** `['shops', 0, 'events', 1]` → `shops[0].events[1]`; an empty key (`handlers: {"": …}`) → `handlers[""]`. */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (segment === '') out += '[""]';
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

interface ConfigFile {
  readonly path: string;
  readonly values: Record<string, unknown>;
}

function readConfigFile(env: Record<string, string | undefined>, cwd: string): ConfigFile | null {
  const blank = blankVariableIssue('SRHOOKS_CONFIG', env.SRHOOKS_CONFIG);
  if (blank) throw new ConfigError([blank]);
  const named = env.SRHOOKS_CONFIG?.trim();
  const path = resolve(cwd, named || DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (!named) return null;
    throw new ConfigError([{ key: 'SRHOOKS_CONFIG', message: `file ${path} does not exist` }]);
  }
  let parsed: unknown;
  try {
    // Never Node's JSON.parse message: it quotes the text around the error, here maybe a secret.
    parsed = parseJsonText(readFileSync(path, 'utf8'), path);
  } catch (error) {
    throw new ConfigError([
      {
        key: named ? 'SRHOOKS_CONFIG' : DEFAULT_CONFIG_FILE,
        message:
          error instanceof JsonSyntaxError
            ? `${error.message}; ${error.fix}`
            : `${path} ${fileProblem(error)}`,
      },
    ]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([
      { key: named ? 'SRHOOKS_CONFIG' : DEFAULT_CONFIG_FILE, message: `${path} must hold a JSON object` },
    ]);
  }
  const { $schema: _schema, ...values } = parsed as Record<string, unknown>;
  return { path, values };
}

/** `app` key → the SRHOOKS_APP_* variable that can set it. */
const APP_VARIABLE_OF: Partial<Record<string, string>> = Object.fromEntries(
  Object.entries(APP_ENV_VARIABLES).map(([variable, key]) => [key, variable]),
);

/**
 * A required `app` key that neither the file nor its SRHOOKS_APP_* variable set (app mode turned on by
 * one of the variables, or an `app` block without it): says where to set it, not zod's "Invalid input".
 */
function missingAppKey(path: readonly PropertyKey[], app: unknown): string | undefined {
  const key = path[1];
  if (path.length !== 2 || path[0] !== 'app' || typeof key !== 'string') return undefined;
  const variable = APP_VARIABLE_OF[key];
  if (!variable || typeof app !== 'object' || app === null) return undefined;
  if ((app as Record<string, unknown>)[key] !== undefined) return undefined;
  return `is required: set ${variable}, or ${key} in the config file's "app" block`;
}

/** A problem found by the parse (zod's issue) or by the cross-field pass over the raw input. */
interface ParseIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** `unrecognized_keys`: the unknown keys. */
  readonly keys?: readonly string[];
}

type ParsedConfig = { success: true; data: ReceiverConfig } | { success: false; issues: ParseIssue[] };

/**
 * zod's `int()` refuses a number beyond ±2^53 − 1 with an issue of its own ("must be at most
 * 9007199254740991") beside the setting's own bound ("must be at most 120000"): one problem, one line,
 * the setting's bound. The safe-integer issue stays when it is the only one on its key.
 */
function withoutSafeIntegerBounds(issues: readonly z.core.$ZodIssue[]): ParseIssue[] {
  const isSafeBound = (issue: z.core.$ZodIssue) =>
    (issue.code === 'too_big' && issue.maximum === Number.MAX_SAFE_INTEGER) ||
    (issue.code === 'too_small' && issue.minimum === Number.MIN_SAFE_INTEGER);
  const at = (issue: ParseIssue) => formatConfigPath(issue.path);
  return issues.filter(
    (issue) =>
      !isSafeBound(issue) ||
      !issues.some((other) => other !== issue && !isSafeBound(other) && at(other) === at(issue)),
  );
}

/**
 * The schema's parse, in plain words (config-issue-text.ts). When it fails, zod has skipped the
 * cross-field rules: they run over the raw input too, so one run reports every problem. The rules over
 * what was written (a key set that would be ignored) run over the raw input on every parse.
 */
function parseReceiverConfig(input: unknown): ParsedConfig {
  const result = ReceiverConfigSchema.safeParse(input, { error: configIssueText });
  const raw = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : null;
  const written =
    raw === null
      ? []
      : writtenKeyIssues(raw as Record<string, unknown>, {
          spoolMaxBytes: DEFAULT_SPOOL_MAX_BYTES,
        });
  if (result.success && written.length === 0) return result;
  const issues: ParseIssue[] = result.success ? [] : withoutSafeIntegerBounds(result.error.issues);
  const extras = result.success || raw === null ? [] : configCrossFieldIssues(raw as Record<string, unknown>);
  const id = (issue: ParseIssue) => `${formatConfigPath(issue.path)}\u0000${issue.message}`;
  const seen = new Set(issues.map(id));
  for (const extra of [...extras, ...written]) {
    const issue = { code: 'custom', ...extra };
    if (!seen.has(id(issue))) issues.push(issue);
  }
  return { success: false, issues };
}

function issuesFrom(
  parsed: readonly ParseIssue[],
  sources: Partial<Record<string, string>>,
  fileLabel: string,
  app?: unknown,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of parsed) {
    const paths =
      issue.code === 'unrecognized_keys'
        ? (issue.keys ?? []).map((key) => [...issue.path, key])
        : [issue.path];
    for (const path of paths) {
      const top = path[0];
      const variable = typeof top === 'string' ? sources[top] : undefined;
      const message =
        issue.code === 'unrecognized_keys'
          ? unknownKeyMessage(issue.path, String(path.at(-1)))
          : (missingAppKey(path, app) ?? issue.message);
      const key = variable
        ? variable + formatConfigPath(path.slice(1))
        : `${formatConfigPath(path) || '(root)'}${fileLabel}`;
      issues.push({ key, message });
    }
  }
  return issues;
}

/** An unknown key of a strict object: the key it most likely meant (a typo), or where the keys are listed. */
function unknownKeyMessage(objectPath: readonly PropertyKey[], key: string): string {
  const meant = meantName(key, knownKeysAt(ReceiverConfigSchema, objectPath));
  return meant === undefined
    ? 'unknown key (check its spelling in receiver docs/configuration.md)'
    : `unknown key; did you mean "${meant}"?`;
}

/** Module handler paths are relative to the config file (or `cwd` without one). */
function resolveHandlerPaths(config: ReceiverConfig, baseDir: string): ReceiverConfig {
  const handlers: ReceiverConfig['handlers'] = {};
  for (const [name, handler] of Object.entries(config.handlers)) {
    handlers[name] =
      handler.type === 'module' && !isAbsolute(handler.path)
        ? { ...handler, path: resolve(baseDir, handler.path) }
        : handler;
  }
  return { ...config, handlers };
}

export function loadConfig(options: LoadConfigOptions = {}): ReceiverConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = readConfigFile(env, cwd);
  const fromEnv = readEnvConfig(env);
  const merged: Record<string, unknown> = { ...(file?.values ?? {}), ...fromEnv.values };
  const app = mergeAppEnv(merged.app, env);
  if (app !== undefined) merged.app = app;
  const result = parseReceiverConfig(merged);
  const fileLabel = file ? ` (in ${file.path})` : '';
  // handler settings' ${VAR}s to unset variables: listed with the other problems, not one at a time at start
  const unset = missingEnvReferenceIssues(merged.handlers, options.referenceEnv ?? env);
  const issues = [
    ...fromEnv.issues,
    ...misspeltVariableIssues(env),
    ...(result.success ? [] : issuesFrom(result.issues, fromEnv.sources, fileLabel, merged.app)),
    ...issuesFrom(unset, fromEnv.sources, fileLabel),
  ];
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return resolveHandlerPaths(result.data, file ? dirname(file.path) : cwd);
}

/** Validates a config object written in code (tests, embedding); same rules and messages as {@link loadConfig}. */
export function defineReceiverConfig(input: z.input<typeof ReceiverConfigSchema>): ReceiverConfig {
  const result = parseReceiverConfig(input);
  if (!result.success) throw new ConfigError(issuesFrom(result.issues, {}, ''));
  return result.data;
}

/**
 * The handler settings' `${VAR}`s of a configuration built in code (buildReceiver): every one whose
 * variable `env` does not set, in one ConfigError, as {@link loadConfig} lists them with the other problems.
 */
export function checkEnvReferencesSet(
  handlers: ReceiverConfig['handlers'],
  env: Readonly<Record<string, string | undefined>>,
): void {
  const unset = missingEnvReferenceIssues(handlers, env);
  if (unset.length > 0) throw new ConfigError(issuesFrom(unset, {}, ''));
}
