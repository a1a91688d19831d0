/**
 * A `forward` target whose TLS the receiver cannot accept (a self-signed certificate, an https:// URL of a
 * plain-http server), or whose answer is not HTTP (another service on that port): the attempt's summary — shown where the error text is hidden (CLI, inspector) —
 * says what is wrong and what to do, in the receiver's own words, and the log gets `target_tls_failed`.
 * Real servers on 127.0.0.1; the certificate is made with openssl (test-support/self-signed-certificate.ts).
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { sampleOrder } from '@srhooks/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../test-support/self-signed-certificate.js';
import { claimedOrderJob } from '../test-support/processing-fixtures.js';
import { createForwardHandler } from './forward.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function forward(url: string) {
  const handler = createForwardHandler({ name: 'erp', url, secret, allowPrivateTargets: true });
  cleanups.push(() => handler.close());
  return handler(claimedOrderJob(sampleOrder(4711)));
}

describe('forward handler: TLS the receiver cannot accept, answers it cannot read', () => {
  it('a self-signed certificate: retried, the summary says it is not trusted and how to trust it', async () => {
    let answered = 0;
    const host = await listening(
      createHttpsServer(selfSignedCertificate(), (_request, response) => {
        answered += 1;
        response.end();
      }),
    );
    const outcome = await forward(`https://${host}/hooks`);
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'target_tls_failed' });
    const summary = `${host} presented a TLS certificate this receiver does not trust (DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate): give the target a certificate from a public certificate authority, or start the receiver with NODE_EXTRA_CA_CERTS naming the PEM file of the authority that signed it`;
    expect(outcome).toMatchObject({ summary, error: `POST https://${host}/hooks failed: ${summary}` });
    expect(answered).toBe(0);
  });

  it('an https:// URL of a plain-http server: the summary asks whether it is an http:// URL', async () => {
    const host = await listening(createHttpServer((_request, response) => response.end()));
    const outcome = await forward(`https://${host}/hooks`);
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'target_tls_failed' });
    expect(outcome).toMatchObject({
      summary: `${host} does not speak https (TLS): is the target a plain http:// URL? (EPROTO)`,
    });
  });

  it('an answer that is not HTTP: retried, the summary says so', async () => {
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.end('SSH-2.0-OpenSSH_9.6\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    );
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const outcome = await forward(`http://${host}/hooks`);
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'target_request_failed' });
    expect(outcome).toMatchObject({
      summary: `${host} answered something that is not HTTP (HPE_INVALID_CONSTANT): is the handler's "url" the target's web address and port?`,
    });
  });
});
