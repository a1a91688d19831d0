import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, TargetConnections } from './post-json.js';

const servers: Server[] = [];
const pools: TargetConnections[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

/** Answers the first request on each connection with 204; a second request on it kills the connection unanswered. */
async function oneAnswerPerConnection(): Promise<{
  url: string;
  requests: () => number;
  connections: () => number;
}> {
  let requests = 0;
  let connections = 0;
  const answered = new WeakSet<object>();
  const server = createServer((request, response) => {
    requests += 1;
    request.resume();
    request.on('end', () => {
      if (answered.has(request.socket)) {
        request.socket.destroy();
        return;
      }
      answered.add(request.socket);
      response.writeHead(204).end();
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, requests: () => requests, connections: () => connections };
}

describe('postJson with kept-alive connections', () => {
  const post = (url: string, connections: TargetConnections) =>
    postJson(url, Buffer.from('{"ok":true}'), {
      headers: { 'content-type': 'application/json' },
      timeoutMs: 5000,
      addressPolicy: null,
      maxRedirects: 0,
      connections,
    });

  it('reuses one connection for consecutive POSTs', async () => {
    const requests: number[] = [];
    const server = createServer((request, response) => {
      requests.push(1);
      request.resume();
      request.on('end', () => response.writeHead(204).end());
    });
    let opened = 0;
    server.on('connection', () => {
      opened += 1;
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pool = new TargetConnections();
    pools.push(pool);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (let i = 0; i < 5; i++) expect((await post(url, pool)).status).toBe(204);
    expect(requests).toHaveLength(5);
    expect(opened).toBe(1);
  });

  it('sends again on a new connection when a reused one turns out closed by the target', async () => {
    const target = await oneAnswerPerConnection();
    const pool = new TargetConnections();
    pools.push(pool);
    expect((await post(target.url, pool)).status).toBe(204);
    // The pooled connection is reused, the target drops it unanswered: the POST goes out once more.
    expect((await post(target.url, pool)).status).toBe(204);
    expect(target.requests()).toBe(3);
    expect(target.connections()).toBe(2);
  });
});
