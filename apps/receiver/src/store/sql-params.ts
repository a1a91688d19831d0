/** Collects bound values and hands out the engine's placeholders (`?` for SQLite, `$n` for PostgreSQL). */
export interface SqlParams {
  readonly values: unknown[];
  add(value: unknown): string;
}

export function questionMarkParams(): SqlParams {
  const values: unknown[] = [];
  return {
    values,
    add(value) {
      values.push(value);
      return '?';
    },
  };
}

export function dollarParams(): SqlParams {
  const values: unknown[] = [];
  return {
    values,
    add(value) {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/** How an engine binds values whose representation differs (SQLite: epoch ms and 0/1; PostgreSQL: Date and boolean). */
export interface SqlDialect {
  params(): SqlParams;
  time(value: Date): unknown;
  /**
   * A set of strings bound as ONE value, for `column IN (…)`: any number of them (one placeholder each would
   * stop at the engine's limit, 32,766 for SQLite, 65,535 for PostgreSQL).
   */
  textSet(params: SqlParams, values: readonly string[]): string;
  /**
   * SQLite: the index the event text search reads (`INDEXED BY`) when nothing else narrows the list.
   * SQLite's planner picks the primary key for a one-word search (the costs tie), which reads every event
   * row with its payload: 1.5-2 s with 200,000 events, 0.15 s through this index.
   */
  eventSearchIndex?: string;
}
