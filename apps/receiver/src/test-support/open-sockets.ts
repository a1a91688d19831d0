/**
 * This process's TCP sockets connected to a port (Linux: /proc/net/tcp and /proc/self/fd), whatever their
 * state — one half-closed, waiting for the other side's goodbye, counts: it keeps a process alive.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export function socketsTo(port: number): number {
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const remotePort = fields[2]?.split(':')[1];
    if (remotePort !== undefined && Number.parseInt(remotePort, 16) === port && fields[9])
      inodes.add(fields[9]);
  }
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined && inodes.has(inode)) count += 1;
  }
  return count;
}

/** Waits up to `ms` for no socket of this process to be connected to `port`; returns how many are left. */
export async function socketsLeftTo(port: number, ms = 1000): Promise<number> {
  const deadline = Date.now() + ms;
  let left = socketsTo(port);
  while (left > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = socketsTo(port);
  }
  return left;
}
