/**
 * Environment variables → config keys. Each variable maps to one top-level key of
 * {@link ReceiverConfigSchema}; unset variables are ignored (the file or the default applies). A
 * variable that is set but empty is an error for every variable the receiver reads
 * ({@link blankVariableIssue}): "unset" would silently fall back to the file or the default. Values
 * that cannot be converted are reported with the variable's name.
 */
import { DaysInputError, parseDays } from '@srhooks/contracts';
import { APP_ENV_VARIABLES } from '../app-mode/app-env.js';
import type { ConfigIssue } from './config-error.js';
import type { ReceiverConfigInput } from './config-schema.js';
import { DEFAULT_MAX_CONNECTIONS } from './connection-limits.js';

type Converter = (raw: string) => unknown;

class EnvValueError extends Error {}

const text: Converter = (raw) => raw.trim();

const list: Converter = (raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const wholeNumber: Converter = (raw) => {
  const trimmed = raw.trim();
  if (!/^\d+$/.test(trimmed))
    throw new EnvValueError(
      `must be a whole number written in digits, without a sign or a unit, got "${trimmed.slice(0, 40)}"`,
    );
  return Number(trimmed);
};

/** SRHOOKS_MAX_CONNECTIONS: digits only; the bounds (1 …) are the schema's, so 0 gets its own words there. */
const connections: Converter = (raw) => {
  const trimmed = raw.trim();
  if (!/^\d+$/.test(trimmed))
    throw new EnvValueError(
      `must be a whole number of connections written in digits, e.g. ${DEFAULT_MAX_CONNECTIONS} (remove it for the default), got "${trimmed.slice(0, 40)}"`,
    );
  return Number(trimmed);
};

/** A TCP port: 0 (any free port) … 65535. */
const port: Converter = (raw) => {
  const trimmed = raw.trim();
  const value = /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(value >= 0 && value <= 65535))
    throw new EnvValueError(
      `must be a port number from 0 to 65535 (0: any free port), got "${trimmed.slice(0, 40)}"`,
    );
  return value;
};

/** `90` or `90d` (whole days, 1 … 36500): the same parser as the CLI's `prune --older-than`. */
const days: Converter = (raw) => {
  try {
    return parseDays(raw);
  } catch (error) {
    if (error instanceof DaysInputError) throw new EnvValueError(error.message);
    throw error;
  }
};

/**
 * Variables whose empty value is documented as meaningful (and so passed on, not refused). None: an
 * empty PORT= would listen on 3000, an empty SRHOOKS_RETENTION_DAYS= keep everything forever, an empty
 * SRHOOKS_APP_CLIENT_SECRET= take the file's secret. Add one here only with its meaning in docs/configuration.md.
 */
const BLANK_MEANINGFUL: ReadonlySet<string> = new Set<string>();

/**
 * The one rule for a variable that is set but empty (or only whitespace): a configuration error naming
 * it, or null when it is unset, has a value, or documents empty as meaningful. Used for every variable
 * the receiver reads: {@link ENV_VARIABLES}, app mode's (app-env.ts) and SRHOOKS_CONFIG (load-config.ts).
 */
export function blankVariableIssue(variable: string, raw: string | undefined): ConfigIssue | null {
  if (raw === undefined || raw.trim() !== '' || BLANK_MEANINGFUL.has(variable)) return null;
  return { key: variable, message: 'is set but empty: remove it or give a value' };
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1024,
  k: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  g: 1024 ** 3,
  // SRHOOKS_SPOOL_MAX_BYTES goes up to 1 TiB
  tb: 1024 ** 4,
  t: 1024 ** 4,
};

/** `2097152`, `512kb`, `2mb`, `1gb`, `1tb` (binary units). */
const bytes: Converter = (raw) => {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim());
  const unit = BYTE_UNITS[match?.[2]?.toLowerCase() ?? 'x'];
  if (!match || unit === undefined) {
    throw new EnvValueError(
      `must be a size in bytes such as 2097152, 512kb, 2mb or 1gb, got "${raw.slice(0, 40)}"`,
    );
  }
  return Number(match[1]) * unit;
};

/** `true`/`false`, or a comma-separated list of proxy addresses/CIDRs. */
const trustProxy: Converter = (raw) => {
  const trimmed = raw.trim().toLowerCase();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  return list(raw);
};

/** Env var → [config key, converter]. The table of variables in docs/configuration.md mirrors this. */
export const ENV_VARIABLES = {
  PORT: ['port', port],
  HOST: ['host', text],
  SRHOOKS_SECRETS: ['secrets', list],
  SRHOOKS_ADMIN_TOKEN: ['adminToken', text],
  SRHOOKS_ADMIN_MAX_FAILURES: ['adminMaxFailures', wholeNumber],
  SRHOOKS_METRICS_TOKEN: ['metricsToken', text],
  SRHOOKS_DB: ['db', text],
  DATABASE_URL: ['databaseUrl', text],
  SRHOOKS_DB_SCHEMA: ['databaseSchema', text],
  SRHOOKS_DB_POOL_SIZE: ['databasePoolSize', wholeNumber],
  SRHOOKS_PUBLIC_URL: ['publicUrl', text],
  SRHOOKS_BODY_LIMIT: ['bodyLimit', bytes],
  SRHOOKS_BODY_HARD_LIMIT: ['bodyHardLimit', bytes],
  SRHOOKS_ALLOW_IPS: ['allowIps', list],
  SRHOOKS_TRUST_PROXY: ['trustProxy', trustProxy],
  SRHOOKS_MAX_CONNECTIONS: ['maxConnections', connections],
  LOG_LEVEL: ['logLevel', text],
  SRHOOKS_STORE_TIMEOUT_MS: ['storeTimeoutMs', wholeNumber],
  SRHOOKS_SPOOL_DIR: ['spoolDir', text],
  SRHOOKS_SPOOL_MAX_BYTES: ['spoolMaxBytes', bytes],
  SRHOOKS_SHUTDOWN_TIMEOUT_MS: ['shutdownTimeoutMs', wholeNumber],
  SRHOOKS_JOB_LEASE_MS: ['jobLeaseMs', wholeNumber],
  SRHOOKS_RETENTION_DAYS: ['retentionDays', days],
  SRHOOKS_RECOVERY_INTERVAL_MINUTES: ['recoveryIntervalMinutes', wholeNumber],
  SRHOOKS_RECOVERY_LOOK_BACK_DAYS: ['recoveryLookBackDays', wholeNumber],
  SRHOOKS_RECOVERY_OVERLAP_SECONDS: ['recoveryOverlapSeconds', wholeNumber],
} as const satisfies Record<string, readonly [keyof ReceiverConfigInput, Converter]>;

export type EnvVariable = keyof typeof ENV_VARIABLES;

export interface EnvConfig {
  /** Config keys set from the environment. */
  readonly values: Partial<Record<keyof ReceiverConfigInput, unknown>>;
  /** Which variable set each key (to name it in errors). */
  readonly sources: Partial<Record<keyof ReceiverConfigInput, EnvVariable>>;
  readonly issues: ConfigIssue[];
}

export function readEnvConfig(env: Record<string, string | undefined>): EnvConfig {
  const values: EnvConfig['values'] = {};
  const sources: EnvConfig['sources'] = {};
  const issues: ConfigIssue[] = [];
  for (const [variable, [key, convert]] of Object.entries(ENV_VARIABLES) as [
    EnvVariable,
    readonly [keyof ReceiverConfigInput, Converter],
  ][]) {
    const raw = env[variable];
    const blank = blankVariableIssue(variable, raw);
    if (blank) {
      issues.push(blank);
      continue;
    }
    if (raw === undefined || raw.trim() === '') continue;
    try {
      values[key] = convert(raw);
      sources[key] = variable;
    } catch (error) {
      if (!(error instanceof EnvValueError)) throw error;
      issues.push({ key: variable, message: error.message });
    }
  }
  // App mode's variables are merged into `app` by load-config (mergeAppEnv); the same rule applies.
  for (const variable of Object.keys(APP_ENV_VARIABLES)) {
    const blank = blankVariableIssue(variable, env[variable]);
    if (blank) issues.push(blank);
  }
  return { values, sources, issues };
}
