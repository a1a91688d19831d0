/**
 * Stops and starts the machine's PostgreSQL cluster (the one every PostgreSQL test here uses) with
 * Debian's pg_ctlcluster, for the store-outage scenario. Callers must restart it in a `finally`;
 * `ensurePostgresRunning()` is the safety net for afterAll.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

function clusterVersion(): string {
  const versions = readdirSync('/etc/postgresql');
  const version = versions[0];
  if (versions.length !== 1 || version === undefined) {
    throw new Error(
      `expected one PostgreSQL version under /etc/postgresql, found: ${versions.join(', ') || 'none'}`,
    );
  }
  return version;
}

async function pgCtlCluster(action: 'start' | 'stop' | 'status'): Promise<string> {
  const args = ['--skip-systemctl-redirect', clusterVersion(), 'main', action];
  if (action === 'stop') args.push('-m', 'fast');
  const { stdout } = await run('pg_ctlcluster', args, { timeout: 60_000 });
  return stdout;
}

export async function postgresRunning(): Promise<boolean> {
  try {
    await pgCtlCluster('status');
    return true;
  } catch {
    // pg_ctlcluster status exits 3 when the cluster is down
    return false;
  }
}

export async function stopPostgres(): Promise<void> {
  await pgCtlCluster('stop');
}

export async function startPostgres(): Promise<void> {
  if (await postgresRunning()) return;
  await pgCtlCluster('start');
}

/** Starts the cluster if a failed scenario left it down. */
export async function ensurePostgresRunning(): Promise<void> {
  if (!(await postgresRunning())) await pgCtlCluster('start');
}
