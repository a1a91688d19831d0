import Database from 'better-sqlite3';
import { applySqliteMigrations } from '/work/wt-18/apps/receiver/dist/store/sqlite/sqlite-migrations.js';

const db = new Database('/tmp/b18/plan.db');
applySqliteMigrations(db);
const F = `AND e.held = 0
    AND (@handlers IS NULL OR j.handler IN (SELECT value FROM json_each(@handlers)))
    AND NOT EXISTS (SELECT 1 FROM handler_states h WHERE h.handler = j.handler AND h.disabled = 1)`;
const Q = `SELECT j.id, j.run_at FROM jobs j JOIN events e ON e.id = j.event_id
    WHERE j.status = 'pending' AND j.run_at <= @now ${F}
  UNION ALL
  SELECT j.id, j.run_at FROM jobs j JOIN events e ON e.id = j.event_id
    WHERE j.status = 'running' AND j.lease_expires_at <= @now ${F}
  ORDER BY 2, 1 LIMIT @limit`;
for (const r of db.prepare('EXPLAIN QUERY PLAN ' + Q).all({ now: 1, handlers: '["out"]', limit: 32 }))
  console.log(r.id, r.parent, r.detail);
console.log('--');
for (const r of db
  .prepare(
    "EXPLAIN QUERY PLAN SELECT (SELECT count(*) FROM jobs), (SELECT count(*) FROM jobs WHERE status='pending'),(SELECT count(*) FROM jobs WHERE status='running'),(SELECT count(*) FROM jobs WHERE status='dead')",
  )
  .all())
  console.log(r.id, r.parent, r.detail);
