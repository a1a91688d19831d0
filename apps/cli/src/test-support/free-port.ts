import { createServer } from 'node:net';

/**
 * A 127.0.0.1 port nothing listens on: one the system just handed out, closed again. For a server whose
 * URL must be known before it starts, or an address that refuses connections.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
