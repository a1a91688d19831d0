/**
 * A misspelt `SRHOOKS_*` variable (`SRHOOKS_SPOOLDIR`, `SRHOOKS_RETENTION_DAY`, `srhooks_spool_dir`) is
 * not read, so the setting it meant silently keeps its default: no spool during a store outage, no
 * retention. The config file refuses a misspelt key; this is the same rule for the environment. A
 * variable within two edits of one the receiver reads (one for a name of under 6 characters; compared
 * without the `SRHOOKS_` prefix, case-insensitively; `SRHOOKS_DATABASE_URL`, `SRHOOKS_PORT` are the
 * unprefixed DATABASE_URL, PORT) is a configuration error naming the one meant, and so is one that extends a
 * variable the receiver reads by a word (`SRHOOKS_DB_FILE`, `SRHOOKS_ADMIN_TOKEN_FILE`). Other `SRHOOKS_*` variables are
 * left alone: the CLI, the sandbox and the tests have their own, and may share the environment.
 */

import { distance } from 'fastest-levenshtein';
import { APP_ENV_VARIABLES } from '../app-mode/app-env.js';
import type { ConfigIssue } from './config-error.js';
import { ENV_VARIABLES } from './env-config.js';

const PREFIX = 'SRHOOKS_';

/** Every `SRHOOKS_*` variable the receiver reads. */
const RECEIVER_VARIABLES: readonly string[] = [
  ...Object.keys(ENV_VARIABLES),
  ...Object.keys(APP_ENV_VARIABLES),
  'SRHOOKS_CONFIG',
].filter((name) => name.startsWith(PREFIX));

/**
 * `SRHOOKS_*` variables of the other srhooks tools (CLI, sandbox) and of apps using @srhooks/client (its
 * README reads the URL secret from `SRHOOKS_SECRET`), which may share the receiver's environment: never
 * taken for a typo of a receiver variable, however close. (A receiver given only `SRHOOKS_SECRET` still
 * stops: it has no secret, and says to set SRHOOKS_SECRETS.)
 */
const OTHER_TOOLS_VARIABLES: ReadonlySet<string> = new Set([
  'SRHOOKS_SECRET',
  'SRHOOKS_RECEIVER_URL',
  'SRHOOKS_CLIENT_ID',
  'SRHOOKS_CLIENT_SECRET',
  'SRHOOKS_CONFIG_DIR',
  'SRHOOKS_SHOP',
  'SRHOOKS_SANDBOX_URL',
  'SRHOOKS_SANDBOX_SHOP',
  'SRHOOKS_API_URL',
  'SRHOOKS_TOKEN_URL',
  'SRHOOKS_TRIGGER_URL',
  'SRHOOKS_DEBUG',
]);

/**
 * What a `SRHOOKS_*` name is compared with after its prefix: each receiver variable's name after the
 * prefix, and the receiver's variables that have none (`DATABASE_URL`, `PORT`, `HOST`, `LOG_LEVEL`), which
 * an operator writes with the prefix too (`SRHOOKS_DATABASE_URL`: PostgreSQL meant, a SQLite file opened).
 */
const CANDIDATES: readonly { compared: string; variable: string }[] = [
  ...RECEIVER_VARIABLES.map((variable) => ({ compared: variable.slice(PREFIX.length), variable })),
  ...Object.keys(ENV_VARIABLES)
    .filter((variable) => !variable.startsWith(PREFIX))
    .map((variable) => ({ compared: variable, variable })),
];

/** The receiver variable that `suffix` (a name after the prefix) most likely meant, if one is that close. */
function meantVariable(suffix: string): string | undefined {
  const given = suffix.toUpperCase();
  let meant: string | undefined;
  let best = (given.length < 6 ? 1 : 2) + 1;
  for (const { compared, variable } of CANDIDATES) {
    const edits = distance(given, compared);
    if (edits < best) {
      best = edits;
      meant = variable;
    }
  }
  return meant;
}

/**
 * The receiver variable that `suffix` extends by a word (`DB_FILE`, `DB_PATH`: SRHOOKS_DB meant;
 * `ADMIN_TOKEN_FILE`: SRHOOKS_ADMIN_TOKEN, a Docker-secrets habit the receiver does not follow), the
 * longest such; none when nothing extends.
 */
function extendedVariable(suffix: string): string | undefined {
  const given = suffix.toUpperCase();
  let meant: { compared: string; variable: string } | undefined;
  for (const candidate of CANDIDATES) {
    if (!given.startsWith(`${candidate.compared}_`)) continue;
    if (meant === undefined || candidate.compared.length > meant.compared.length) meant = candidate;
  }
  return meant?.variable;
}

/**
 * One issue per set `SRHOOKS_*` variable that is not read but is a near miss of one that is, or one that
 * is with a word added.
 */
export function misspeltVariableIssues(env: Record<string, string | undefined>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const variable of Object.keys(env)) {
    if (env[variable] === undefined) continue;
    if (variable.slice(0, PREFIX.length).toUpperCase() !== PREFIX) continue;
    if (RECEIVER_VARIABLES.includes(variable) || OTHER_TOOLS_VARIABLES.has(variable)) continue;
    const suffix = variable.slice(PREFIX.length);
    const meant = meantVariable(suffix);
    if (meant !== undefined) {
      issues.push({
        key: variable,
        message: `is not a variable the receiver reads; did you mean ${meant}? (as written it is ignored and that setting keeps its default)`,
      });
      continue;
    }
    const extended = extendedVariable(suffix);
    if (extended === undefined) continue;
    // a secret's *_FILE (Docker secrets): not SRHOOKS_DB_FILE, whose variable is a file's path already
    const fromFile =
      /_FILE$/i.test(variable) && /SECRET|TOKEN|KEY|DATABASE_URL/.test(extended)
        ? ` The receiver reads no *_FILE variants: give the value itself in ${extended}.`
        : '';
    issues.push({
      key: variable,
      message: `is not a variable the receiver reads; did you mean ${extended}? (as written it is ignored and that setting keeps its default)${fromFile}`,
    });
  }
  return issues;
}
