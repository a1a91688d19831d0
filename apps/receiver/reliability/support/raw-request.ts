/**
 * One HTTP/1.1 request over a raw TCP socket, bytes exactly as given: malformed framing, invalid
 * UTF-8, oversized headers and bodies go out untouched (node:http would refuse or fix some of them).
 * The body is written in chunks and writing stops as soon as the server starts answering, as curl
 * does, so an early 413/404 is read instead of being lost to a reset.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** HTTP status, or null when the connection ended without one. */
  status: number | null;
  /** Response body (after the blank line), as text. */
  body: string;
  /** Socket error code when the request ended without an answer. */
  error: string | null;
}

const CHUNK = 64 * 1024;

export function rawRequest(
  port: number,
  head: Buffer,
  body: Buffer | readonly Buffer[],
  timeoutMs = 30_000,
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const received: Buffer[] = [];
    let answered = false;
    let settled = false;
    let socketError: string | null = null;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(Buffer.concat(received), socketError));
    };
    const timer = setTimeout(() => {
      socketError ??= 'timeout';
      finish();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (!answered) answered = finalAnswerStarted(Buffer.concat(received));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socketError ??= error.code ?? 'error';
      finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('connect', async () => {
      const parts = Array.isArray(body) ? (body as readonly Buffer[]) : [body as Buffer];
      try {
        if (!socket.write(head)) await drained(socket);
        for (const part of parts) {
          for (let offset = 0; offset < part.length && !answered && !settled; offset += CHUNK) {
            if (!socket.write(part.subarray(offset, offset + CHUNK))) await drained(socket);
          }
        }
      } catch {
        // the server closed the connection; the answer (if any) is read by the handlers above
      }
    });
  });
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      socket.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      socket.off('drain', onDrain);
      reject(new Error('closed'));
    };
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}

/** True once a status line other than an interim 1xx has arrived. */
function finalAnswerStarted(bytes: Buffer): boolean {
  let rest = bytes;
  for (;;) {
    const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(rest.subarray(0, 16).toString('latin1'));
    if (!statusLine?.[1]) return false;
    if (!statusLine[1].startsWith('1')) return true;
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) return false;
    rest = rest.subarray(headEnd + 4);
  }
}

/** Skips interim 1xx answers; returns the final status and body. */
function parseAnswer(bytes: Buffer, error: string | null): RawAnswer {
  let rest = bytes;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(rest.subarray(0, 16).toString('latin1'));
    if (!statusLine || headEnd === -1) return { status: null, body: '', error: error ?? 'no_answer' };
    const status = Number(statusLine[1]);
    if (status >= 100 && status < 200) {
      rest = rest.subarray(headEnd + 4);
      continue;
    }
    return { status, body: rest.subarray(headEnd + 4).toString('utf8'), error: null };
  }
}
