import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The demo's files, in a fresh temporary directory per run: the receiver's SQLite database, the
 * `log` handler's lines and the review-request outbox. Fresh because the sandbox starts empty every
 * run and numbers its orders from the same first id: an old database would take the new orders for
 * duplicates of the last run's. Removed when the demo stops.
 */
export interface DemoWorkspace {
  dir: string;
  db: string;
  /** JSON lines written by the `log` handler (contact data masked by the handler). */
  eventsLog: string;
  /** mbox file the review-request example handler appends to. */
  outbox: string;
  remove(): Promise<void>;
}

export async function createDemoWorkspace(): Promise<DemoWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), 'srhooks-demo-'));
  return {
    dir,
    db: join(dir, 'receiver.db'),
    eventsLog: join(dir, 'events.log'),
    outbox: join(dir, 'outbox', 'review-requests.mbox'),
    remove: () => rm(dir, { recursive: true, force: true, maxRetries: 3 }),
  };
}
