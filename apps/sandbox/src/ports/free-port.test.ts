import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ephemeralRangeStart, freePort } from './free-port.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
    servers.push(server);
  });
}

describe('freePort', () => {
  it('gives a port below the ephemeral range that a server can then listen on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(ephemeralRangeStart());
    await listen(port);
  });

  it('is not taken by servers that listen on port 0 meanwhile (the system picks those from its ephemeral range)', async () => {
    const port = await freePort();
    const others = await Promise.all(Array.from({ length: 200 }, () => listen(0)));
    expect(others.map((s) => (s.address() as { port: number }).port)).not.toContain(port);
    await listen(port);
  });

  it('never gives the same port twice in one process', async () => {
    const ports = await Promise.all(Array.from({ length: 100 }, () => freePort()));
    expect(new Set(ports).size).toBe(100);
  });

  it('reads where the ephemeral range starts, and falls back to 32768', () => {
    expect(ephemeralRangeStart(() => '40000\t60999\n')).toBe(40_000);
    expect(ephemeralRangeStart(() => 'garbage')).toBe(32_768);
    expect(
      ephemeralRangeStart(() => {
        throw new Error('ENOENT');
      }),
    ).toBe(32_768);
  });

  it('never gives one port to two processes: each notes the ports it handed out for the others', async () => {
    // Two processes whose random picks are the same sequence: the first keeps its port (as a test does
    // that subscribes a shop to a receiver it starts later), the second must get another one.
    const module = fileURLToPath(new URL('../../dist/ports/free-port.js', import.meta.url));
    const script = `
      let n = 0;
      const picks = [0.5, 0.25, 0.75, 0.125, 0.625];
      Math.random = () => picks[n++ % picks.length];
      const { freePort } = await import(${JSON.stringify(module)});
      process.stdout.write(String(await freePort()) + '\\n');
      process.stdin.resume();
      process.stdin.on('end', () => process.exit(0));
    `;
    const children: ChildProcess[] = [];
    const pick = async (): Promise<number> => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
      return Number.parseInt(chunk.toString(), 10);
    };
    let first = 0;
    try {
      first = await pick();
      const second = await pick();
      expect(Number.isInteger(first) && Number.isInteger(second)).toBe(true);
      expect(second).not.toBe(first);
    } finally {
      for (const child of children) {
        child.stdin?.end();
        await once(child, 'exit');
      }
    }
    // Once the first process is gone, its port may be handed out again.
    const third = await pick();
    children.at(-1)?.stdin?.end();
    await once(children.at(-1) as ChildProcess, 'exit');
    expect(third).toBe(first);
  });
});
