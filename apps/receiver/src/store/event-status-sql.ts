/**
 * Recomputes `events.status` from the event's jobs (see `EventStatus`). Same SQL on both engines:
 * SQLite reads `TRUE` as 1. Every transaction that changes a job runs it for the job's event.
 */
export function refreshEventStatusSql(idPlaceholder: string): string {
  return `UPDATE events SET status = CASE
    WHEN duplicate_of IS NOT NULL THEN 'duplicate'
    WHEN held = TRUE THEN 'held'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id AND j.status = 'dead') THEN 'dead'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id AND j.status IN ('pending', 'running') AND j.failures > 0) THEN 'retrying'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id AND j.status IN ('pending', 'running')) THEN 'pending'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id) THEN 'succeeded'
    ELSE 'stored' END
  WHERE id = ${idPlaceholder}
  RETURNING id, status`;
}
