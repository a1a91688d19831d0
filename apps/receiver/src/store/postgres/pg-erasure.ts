/**
 * Personal data erasure of the PostgreSQL store (erase-plan.ts) in one transaction: the matched events'
 * and jobs' rows are locked before they change (`FOR UPDATE`), so a worker's outcome for one of the jobs
 * commits before the erasure or finds the job finished after it. Events whose jobs it cancelled are
 * announced on the change feed, and so are the jobs it cancelled.
 */
import { erasePlan, erasureFeedChanges } from '../erase-plan.js';
import { runPlan } from '../prune-plan.js';
import type { Row } from '../row-mapping.js';
import type { ErasureOptions, ErasureResult } from '../store.js';
import { dialect, type PgConnection } from './pg-connection.js';

export async function erasePersonalData(conn: PgConnection, options: ErasureOptions): Promise<ErasureResult> {
  return conn.transaction(async ({ client, changes }) => {
    const { statuses, cancelled, ...result } = await runPlan(
      erasePlan(dialect, options, { lockRows: ' FOR UPDATE', payloadText: 'LOWER(e.payload::text)' }),
      async (step) => (await client.query(step.sql, step.values)).rows as Row[],
    );
    changes.push(...erasureFeedChanges({ statuses, cancelled }, result.erased ? result.deliveries : []));
    return result;
  });
}
