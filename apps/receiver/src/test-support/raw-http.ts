/**
 * Sends exact bytes over a raw TCP socket, the way ShopRenter's PHP/curl client does:
 * headers first, then, when the request carries `Expect: 100-continue`, the body only after the
 * server's `100 Continue` (curl waits up to 1 s before sending anyway; we fail instead, so a
 * server that never answers 100 is caught). Reads until the server closes the connection.
 */
import { connect } from 'node:net';

export interface RawResponse {
  /** Interim (1xx) status codes seen before the final response, in order. */
  readonly interim: number[];
  readonly statusCode: number;
  /** Lower-cased header names. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');

export interface SendRawOptions {
  /** Send the body only after `100 Continue` (default: when the request has `Expect: 100-continue`). */
  readonly awaitContinue?: boolean;
  /** Give up after this long (default 20 s: a loaded CI machine once took over 5 s; tests run for 30 s). */
  readonly timeoutMs?: number;
}

function parseResponses(raw: Buffer): RawResponse {
  const interim: number[] = [];
  let offset = 0;
  for (;;) {
    const end = raw.indexOf(HEAD_END, offset);
    if (end === -1)
      throw new Error(`incomplete HTTP response: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`);
    const head = raw.subarray(offset, end).toString('latin1');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const statusCode = Number(statusLine.split(' ')[1]);
    if (statusCode >= 100 && statusCode < 200) {
      interim.push(statusCode);
      offset = end + HEAD_END.length;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let body = raw.subarray(end + HEAD_END.length);
    if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
    else if (headers['content-length'] !== undefined)
      body = body.subarray(0, Number(headers['content-length']));
    return { interim, statusCode, headers, body: body.toString('utf8') };
  }
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

export function sendRaw(port: number, request: Buffer, options: SendRawOptions = {}): Promise<RawResponse> {
  const headEnd = request.indexOf(HEAD_END);
  if (headEnd === -1) throw new Error('request has no end of headers');
  const head = request.subarray(0, headEnd + HEAD_END.length);
  const body = request.subarray(headEnd + HEAD_END.length);
  const expectsContinue = /\r\nexpect:\s*100-continue\r\n/i.test(head.toString('latin1'));
  const awaitContinue = options.awaitContinue ?? expectsContinue;
  const timeoutMs = options.timeoutMs ?? 20_000;

  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let bodySent = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms (body sent: ${bodySent})`));
    }, timeoutMs);
    const sendBody = () => {
      if (bodySent) return;
      bodySent = true;
      socket.write(body);
    };
    socket.on('connect', () => {
      socket.write(head);
      if (!awaitContinue) sendBody();
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (!bodySent && Buffer.concat(chunks).toString('latin1').startsWith('HTTP/1.1 100 ')) sendBody();
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponses(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}
