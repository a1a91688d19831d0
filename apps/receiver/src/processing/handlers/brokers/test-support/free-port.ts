import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (the kernel's choice, released at once) for a server of a test's own. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
