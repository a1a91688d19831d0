/**
 * The shared listening socket: requests go to the handler current when they arrive, a request taken
 * before the hand-over is answered by the handler that took it (`idle` resolves only after), and a
 * second `listen` on the open socket only reports it (the full receiver's `app.listen()`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HandOverServer } from './hand-over-server.js';

const servers: HandOverServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function newServer(): HandOverServer {
  const server = new HandOverServer({ requestTimeoutMs: 10_000, keepAliveTimeoutMs: 5000 });
  servers.push(server);
  return server;
}

describe('HandOverServer', () => {
  it('hands new requests to the new handler while the old one answers what it took', async () => {
    const server = newServer();
    let answerSlow: () => void = () => {};
    let slowTaken: () => void = () => {};
    const taken = new Promise<void>((resolve) => {
      slowTaken = resolve;
    });
    // the handlers as fastify gives them to serverFactory: the spool-only one, then the full one
    const spoolOnly = (_request: IncomingMessage, response: ServerResponse) => {
      answerSlow = () => response.end('spool-only');
      slowTaken();
    };
    const full = (_request: IncomingMessage, response: ServerResponse) => response.end('full');
    expect(server.factory(spoolOnly)).toBe(server);
    server.factory(full);
    server.handTo(spoolOnly);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    const slow = fetch(`http://127.0.0.1:${port}/`).then((response) => response.text());
    await taken;
    server.handTo(full);
    let idle = false;
    const spoolOnlyIdle = server.idle(spoolOnly).then(() => {
      idle = true;
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('full');
    expect(idle).toBe(false);
    answerSlow();
    expect(await slow).toBe('spool-only');
    await spoolOnlyIdle;
    expect(idle).toBe(true);
    await server.idle(full); // nothing in flight there: at once

    let reported = false;
    server.once('listening', () => {
      reported = true;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    expect(reported).toBe(true);
    const still = server.address();
    expect(typeof still === 'object' && still ? still.port : 0).toBe(port);
  });

  it('refuses to hand requests to a handler it was never given', () => {
    expect(() => newServer().handTo(() => {})).toThrow('never given to factory');
  });
});
