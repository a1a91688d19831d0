import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A 127.0.0.1 server that accepts every request and never answers; `arrived` lists them. */
export async function silentServer(): Promise<{
  port: number;
  arrived: string[];
  close: () => Promise<void>;
}> {
  const arrived: string[] = [];
  const server = createHttpServer((request) => {
    arrived.push(`${request.method} ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { port, arrived, close };
}
