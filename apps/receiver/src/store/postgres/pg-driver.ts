import type pg from 'pg';
import { lazyDependency } from '../../lazy-dependency.js';

/** The PostgreSQL driver (`pg`), loaded by the first PostgreSQL store or relay: a receiver on SQLite never loads it. */
export const pgDriver = lazyDependency<typeof pg>('pg');
