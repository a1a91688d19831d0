import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A 127.0.0.1 server that accepts every request and never answers; `arrived` lists them. */
export async function silentServer(): Promise<{
  port: number;
  arrived: string[];
  /**
   * What arrived since `arrived[since]`, once at least `atLeast` requests did and half a second more
   * passed: a CLI that has exited sent its requests, but this process may read them a moment later.
   */
  received: (atLeast: number, since?: number) => Promise<string[]>;
  close: () => Promise<void>;
}> {
  const arrived: string[] = [];
  const server = createHttpServer((request) => {
    arrived.push(`${request.method} ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const received = async (atLeast: number, since = 0): Promise<string[]> => {
    const deadline = Date.now() + 45_000;
    while (arrived.length - since < atLeast) {
      if (Date.now() > deadline) {
        throw new Error(`${arrived.length - since} of ${atLeast} requests arrived within 45 s: ${arrived}`);
      }
      await pause(20);
    }
    await pause(500);
    return arrived.slice(since);
  };
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { port, arrived, received, close };
}
