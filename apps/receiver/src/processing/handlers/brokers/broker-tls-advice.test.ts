/**
 * A broker whose TLS certificate the receiver does not trust (self-signed, or from the operator's own
 * authority) or that does not speak TLS on the port: the attempt's error says so and what to do
 * (NODE_EXTRA_CA_CERTS, the TLS port), not "check that the server is running" — it is running.
 * Servers of the test's own on 127.0.0.1 that speak TLS with a self-signed certificate (a NATS one sends
 * its INFO with `tls_required` first, as nats-server does); the machine's Redis for a plain-text port.
 */
import { createServer as createTcpServer, type Server } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { sampleOrder } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../../test-support/self-signed-certificate.js';
import { claimedOrderJob } from '../../test-support/processing-fixtures.js';
import { createAmqpHandler } from './amqp.js';
import type { BrokerHandler } from './broker-handler.js';
import { createNatsHandler } from './nats.js';
import { createRedisStreamHandler } from './redis-stream.js';
import { REDIS_PORT } from './test-support/broker-fixtures.js';
import { brokerTestScope } from './test-support/broker-test-scope.js';

const scope = brokerTestScope();
const certificate = selfSignedCertificate();

const REDIS_TLS_PORT =
  "check that the Redis server is running, that the URL is right and that its port speaks TLS (rediss:// needs the server's tls-port, not its plain port)";
const UNTRUSTED =
  'server presented a TLS certificate this receiver does not trust (DEPTH_ZERO_SELF_SIGNED_CERT): start the receiver with NODE_EXTRA_CA_CERTS naming the PEM file of the authority that signed it, or give the server a certificate from a public certificate authority';

/**
 * The attempt's limit where the handshake fails (at once on a quiet machine): roomy, since an attempt
 * that runs out of time first says so instead of what the certificate lacks — under a CI run's load the
 * NATS case did with 2 s.
 */
const HANDSHAKE_MS = 20_000;

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scope.defer(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  );
  return (server.address() as { port: number }).port;
}

/** A server that speaks TLS from the first byte (as RabbitMQ's and Redis's TLS ports do) and nothing else. */
async function tlsServer(): Promise<number> {
  const sockets = new Set<TLSSocket>();
  const server = createTlsServer(certificate, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  scope.defer(() => {
    for (const socket of sockets) socket.destroy();
  });
  return listening(server);
}

/** A NATS server that requires TLS: its INFO in plain text, then the TLS handshake. */
async function natsTlsServer(): Promise<number> {
  const server = createTcpServer((socket) => {
    socket.on('error', () => {});
    socket.write(
      `INFO {"server_id":"tls-only","version":"2.10.0","proto":1,"headers":true,"tls_required":true,"max_payload":1048576}\r\n`,
    );
    new TLSSocket(socket, { isServer: true, ...certificate }).on('error', () => {});
  });
  return listening(server);
}

async function attemptError(handler: BrokerHandler): Promise<string> {
  scope.defer(() => handler.close());
  const outcome = await handler.run(claimedOrderJob(sampleOrder(1)));
  expect(outcome.status).toBe('retry');
  return outcome.status === 'retry' ? outcome.error : '';
}

describe('broker handlers: TLS the receiver cannot accept', () => {
  it('nats: a self-signed certificate', async () => {
    const port = await natsTlsServer();
    const error = await attemptError(
      createNatsHandler({ name: 'bus', servers: [`tls://127.0.0.1:${port}`], timeoutMs: HANDSHAKE_MS }),
    );
    expect(error).toMatch(new RegExp(`^cannot reach NATS at tls://127\\.0\\.0\\.1:${port} \\(`));
    expect(error.endsWith(`: the NATS ${UNTRUSTED}`)).toBe(true);
  });

  it('amqp: a self-signed certificate', async () => {
    const port = await tlsServer();
    const error = await attemptError(
      createAmqpHandler({
        name: 'rabbit',
        url: `amqps://guest:guest@127.0.0.1:${port}`,
        exchange: 'orders',
        timeoutMs: HANDSHAKE_MS,
      }),
    );
    expect(error).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(error.endsWith(`: the RabbitMQ ${UNTRUSTED}`)).toBe(true);
  });

  it('redis-stream: a self-signed certificate', async () => {
    const port = await tlsServer();
    const error = await attemptError(
      createRedisStreamHandler({
        name: 'stream',
        url: `rediss://127.0.0.1:${port}/0`,
        timeoutMs: HANDSHAKE_MS,
      }),
    );
    expect(error.endsWith(`: the Redis ${UNTRUSTED}`)).toBe(true);
  });

  it('redis-stream: rediss:// to a port that speaks plain text (the server waits for more): the advice names the TLS port', async () => {
    const error = await attemptError(
      createRedisStreamHandler({
        name: 'stream',
        url: `rediss://127.0.0.1:${REDIS_PORT}/0`,
        timeoutMs: 1000,
      }),
    );
    expect(error.endsWith(REDIS_TLS_PORT)).toBe(true);
  });
});
