/**
 * A NATS "server" that accepts the connection and never says anything (a wrong port on another
 * service that waits for its client — Redis, a database —, a wedged server, a black-holing proxy): the
 * NATS client gives up after `timeoutMs` without ever having its INFO, and its close of such a
 * connection left the socket open (nats-core closes a transport that never connected by returning at
 * once). One socket per attempt stayed open (file descriptors, never given back) and kept the process
 * alive after the receiver stopped ("receiver stopped", then no exit until a second SIGTERM). Every
 * connection this handler opened must be closed again. A silent server of the test's own on 127.0.0.1.
 */
import { createServer, type Socket } from 'node:net';
import { sampleOrder } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { claimedOrderJob } from '../../test-support/processing-fixtures.js';
import { waitFor } from '../../test-support/wait-for.js';
import { createNatsHandler } from './nats.js';
import { brokerTestScope } from './test-support/broker-test-scope.js';

const scope = brokerTestScope();

describe('nats handler: a server that never sends its INFO', () => {
  it('each attempt fails as unreachable, and no connection it opened stays open', async () => {
    const open = new Set<Socket>();
    let accepted = 0;
    const server = createServer((socket) => {
      accepted += 1;
      open.add(socket);
      // reads (and ignores) what the client sends, so a close by the client is seen at once
      socket.resume();
      socket.on('error', () => {});
      socket.on('close', () => open.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    scope.defer(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of open) socket.destroy();
          server.close(() => resolve());
        }),
    );
    const port = (server.address() as { port: number }).port;
    const handler = createNatsHandler({ name: 'bus', servers: [`nats://127.0.0.1:${port}`], timeoutMs: 500 });
    scope.defer(() => handler.close());
    for (const id of [1, 2]) {
      const outcome = await handler.run(claimedOrderJob(sampleOrder(id)));
      expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_unreachable' });
    }
    await handler.close();
    expect(accepted).toBeGreaterThan(0);
    // the client closes them (the server never does): each one it gave up on, and none left over
    await waitFor(() => open.size === 0, 'every connection the handler opened to be closed');
  });
});
