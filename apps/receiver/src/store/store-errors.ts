/** Base class of every error the store throws on purpose; `code` is stable, the message says what to do. */
export class StoreError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The database cannot be reached or written right now (connection refused or timed out, server
 * shutting down, disk full, file locked, store closed). Callers answer 503 and try again later;
 * the store recovers by itself once the database is back.
 */
export class StoreUnavailableError extends StoreError {
  declare readonly code: 'store_unavailable';

  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'store_unavailable',
      `The event store is unavailable (${detail}). Nothing was stored; retry once the database is reachable again.`,
      options,
    );
  }
}

/** A delivery, event or job id that does not exist. */
export class StoreNotFoundError extends StoreError {
  declare readonly code: 'not_found';

  constructor(what: string, id: string) {
    super('not_found', `No ${what} with id "${id}" exists in the store; check the id (list them first).`);
  }
}

/** The operation does not fit the current state of the record (e.g. re-processing a delivery that is not quarantined). */
export class StoreConflictError extends StoreError {
  declare readonly code: 'conflict';

  constructor(message: string) {
    super('conflict', message);
  }
}

/** The store configuration is invalid (bad schema name, bad option value). */
export class StoreConfigError extends StoreError {
  declare readonly code: 'store_config_invalid';

  constructor(message: string) {
    super('store_config_invalid', message);
  }
}
