import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * An exclusive lock between processes: the file `lockPath`, created with O_EXCL (`wx`), so exactly one
 * process creates it; it holds a random token of its holder and is removed when the task is done. For
 * short read-modify-write steps on a small file in the config dir (token-cache.json), never for long.
 *
 * - Busy: polled every few milliseconds (10 ms growing to 50 ms, jittered) until `waitMs` has passed;
 *   then `{ acquired: false }` and the caller decides (the token cache skips its write).
 * - Stale: a lock file last modified `staleMs` or more ago belongs to a process that died holding it
 *   (the steps it guards take milliseconds) and is taken over: renamed aside, checked to be the file
 *   seen stale (same inode and mtime; if another process replaced it meanwhile, it is linked back), and
 *   removed.
 * - Released only if it still holds this holder's token (a holder slower than `staleMs` may have been
 *   taken over; it then leaves the new holder's lock alone).
 *
 * Errors other than "it exists" (a missing or read-only directory) are thrown, lock not held.
 * Works the same on Windows (exclusive create, rename and hard links on NTFS).
 */
export interface FileLockOptions {
  /** How long to wait for a lock another process holds. */
  waitMs: number;
  /** A lock file this old (by its mtime) is taken over. */
  staleMs: number;
}

export type LockedResult<T> = { acquired: true; value: T } | { acquired: false };

const POLL_FIRST_MS = 10;
const POLL_MAX_MS = 50;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Creates the lock file; false when it exists (held by another process). */
async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lockPath, 'wx', 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(token);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(lockPath, { force: true }).catch(() => {});
    throw error;
  }
  await handle.close();
  return true;
}

/** Removes the lock file if it is older than `staleMs` (its holder died); a lock gone meanwhile is fine. */
async function takeOverIfStale(lockPath: string, staleMs: number): Promise<void> {
  let seen: Awaited<ReturnType<typeof stat>>;
  try {
    seen = await stat(lockPath);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  if (Date.now() - seen.mtimeMs < staleMs) return;
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    // another process took it over first
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  try {
    const moved = await stat(aside);
    if (moved.ino !== seen.ino || moved.dev !== seen.dev || moved.mtimeMs !== seen.mtimeMs) {
      // between the look and the rename, another process took the stale lock over and now holds a
      // fresh one: that is what was moved; put it back (fails only if a third process locked meanwhile)
      await link(aside, lockPath).catch(() => {});
    }
  } finally {
    await rm(aside, { force: true }).catch(() => {});
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  try {
    if ((await readFile(lockPath, 'utf8')) === token) await rm(lockPath, { force: true });
  } catch {
    // gone already (taken over as stale): nothing of ours to remove
  }
}

/** Runs `task` holding the lock `lockPath`; `{ acquired: false }` (task not run) if it stayed busy for `waitMs`. */
export async function withFileLock<T>(
  lockPath: string,
  options: FileLockOptions,
  task: () => Promise<T>,
): Promise<LockedResult<T>> {
  const token = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  const deadline = Date.now() + options.waitMs;
  for (let attempt = 0; !(await tryCreate(lockPath, token)); attempt++) {
    await takeOverIfStale(lockPath, options.staleMs);
    const left = deadline - Date.now();
    if (left <= 0) return { acquired: false };
    const poll = Math.min(POLL_MAX_MS, POLL_FIRST_MS * 2 ** attempt);
    // jittered so that waiting processes do not retry in step
    await sleep(Math.min(left, poll / 2 + Math.random() * poll));
  }
  try {
    return { acquired: true, value: await task() };
  } finally {
    await release(lockPath, token);
  }
}
