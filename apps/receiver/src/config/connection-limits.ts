/**
 * The bounds of `maxConnections` (SRHOOKS_MAX_CONNECTIONS), shared by the config schema, the environment's
 * converter and the server that applies them (http/connection-limit.ts, which also derives the default
 * from the process's open-file limit).
 */

/** Client connections kept open at once by default, when half the open-file limit is not lower. */
export const DEFAULT_MAX_CONNECTIONS = 1000;

/** The most `maxConnections` takes: Linux's default `fs.nr_open`, the most descriptors a process may have. */
export const MAX_MAX_CONNECTIONS = 1_048_576;
