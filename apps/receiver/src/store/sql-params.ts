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
}
