import { createServer, type Server } from 'node:net';
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
});
