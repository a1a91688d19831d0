/**
 * Requests Node's HTTP parser refuses before fastify sees them (headers over the size limit — a
 * 100,000-character URL —, a malformed request line or header, a request that took too long) get the
 * same `{"ok":false,"error":{code,message}}` body as every other refusal, then the socket is closed.
 */

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './error-body.js';

type ParserError = Error & { code?: string };

const REFUSALS: Record<string, [status: number, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'headers_too_large',
    'The request line and headers are larger than the receiver accepts (16 KiB); nothing was read.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'request_timeout',
    'The request did not arrive in full within the time allowed; nothing was stored.',
  ],
};

const MALFORMED: [number, string, string] = [
  400,
  'bad_request',
  'The request is not valid HTTP/1.1; nothing was read.',
];

/** How long a refused connection stays open for reading after the answer (see below). */
const LINGER_MS = 2000;
const answered = new WeakSet<Socket>();

export function handleClientError(this: FastifyInstance, error: ParserError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (answered.has(socket)) return; // more of the same request after the answer: discarded
  answered.add(socket);
  const [status, code, message] = REFUSALS[error.code ?? ''] ?? MALFORMED;
  this.log.debug({ code: error.code }, 'request refused by the HTTP parser');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(code, message));
  // The answer, then the end of our side. The sender may still be writing (a 100,000-character URL):
  // closing at once with its bytes unread would reset the connection, and a reset makes the sender
  // lose the answer. So what still arrives is read and dropped for a moment, then the socket closes.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.on('data', () => {});
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
