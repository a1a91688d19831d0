/**
 * Durations in the handler configuration: a number of milliseconds, or a string with a unit
 * (`"500ms"`, `"5s"`, `"5m"`, `"2h"`, `"1d"`), as in `"retry": {"delays": ["5s", "5m"]}`. Shared with
 * the CLI (its `--timeout`), so they live in the contracts package.
 */
export { formatDuration, parseDuration } from '@srhooks/contracts/duration';
