/**
 * Which start-up failures a receiver with a spool outlives by listening anyway (spool-only, then the full
 * receiver once the store opens; start-while-store-unreachable.ts): the PostgreSQL server cannot be
 * reached — connection refused or timed out, the host not resolving (a database container that is down),
 * the server shutting down or out of connections. Not a setting PostgreSQL refuses (password, role,
 * database, grants: StoreSetupError), not a failed migration on a reachable server, not a damaged
 * store, and not SQLite (a local file: what stops it is no outage that passes).
 */
import type { ReceiverConfig } from '../config/config-schema.js';
import { storeSelection } from '../plugins/store-plugin.js';
import { createStore } from '../store/create-store.js';
import { StoreUnavailableError } from '../store/store-errors.js';

export function storeUnreachableAtStart(
  error: unknown,
  config: ReceiverConfig,
): error is StoreUnavailableError {
  return config.databaseUrl !== undefined && error instanceof StoreUnavailableError && !error.damaged;
}

/** The store was unreachable at start and no spool is set: the start fails (exit 1), saying what a spool would do. */
export class StoreUnreachableAtStartError extends StoreUnavailableError {
  constructor(error: StoreUnavailableError) {
    super(error.detail, { cause: error });
    this.message = `${error.message} Set SRHOOKS_SPOOL_DIR (a folder on persistent disk) and a receiver started during such an outage listens anyway: it takes deliveries into that spool and stores them once the store is reachable (receiver docs/guarantees.md).`;
  }
}

/** A short reason for readiness answers: the error's code, never the connection URL. */
export function unreachableReason(error: StoreUnavailableError): string {
  const cause = error.cause as { code?: unknown; errors?: Array<{ code?: unknown }> } | undefined;
  const code = cause?.code ?? cause?.errors?.find((inner) => typeof inner.code === 'string')?.code;
  return typeof code === 'string' ? `PostgreSQL cannot be reached (${code})` : 'PostgreSQL cannot be reached';
}

/**
 * Whether the store answers now (one connection, `ping`), before a whole receiver is built for it: a
 * build that fails leaves its metrics and plugins behind, and during a long outage one is tried every
 * 15 s. Rejects as the store does (StoreUnavailableError while it is unreachable).
 */
export async function probeStore(config: ReceiverConfig): Promise<void> {
  const store = createStore(storeSelection(config));
  try {
    await store.ping();
  } finally {
    await store.close().catch(() => {});
  }
}
