/** Why the receiver cannot listen on HOST:PORT, in one line naming the variable to change. */
import { createServer } from 'node:net';

/** The receiver cannot listen on HOST:PORT; the message (one line) names the variable to change. */
export class ListenError extends Error {
  readonly code = 'cannot_listen';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ListenError';
  }
}

/** A {@link ListenError} for the listen failures a setting causes; null for anything else. */
export function listenError(error: unknown, host: string, port: number): ListenError | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `cannot listen on ${host}:${port}`;
  if (code === 'EADDRINUSE')
    return new ListenError(
      `${where}: the port is already in use (EADDRINUSE): stop the other process, or set PORT to a free port (0: any free port)`,
      { cause: error },
    );
  if (code === 'EACCES')
    return new ListenError(
      `${where}: this user may not listen on port ${port} (EACCES): set PORT to 1024 or above (and put a reverse proxy in front)`,
      { cause: error },
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new ListenError(
      `${where}: HOST "${host}" is not an address of this machine (${code}): set HOST to one of its addresses (0.0.0.0: all of them, 127.0.0.1: local only)`,
      { cause: error },
    );
  return null;
}

/**
 * Whether the receiver can listen on HOST:PORT, checked before anything is created on disk (a new
 * SQLite file, a PostgreSQL schema): a listener opened and closed at once; ListenError for a setting's
 * failure (port taken, HOST no address here, a privileged port). A port taken between this check and the
 * receiver's own listen is still refused then.
 */
export async function checkListenAddress(host: string, port: number): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, () => resolve());
    });
  } catch (error) {
    throw listenError(error, host, port) ?? error;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
