import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  url: string;
  /** Header names and values in the order they arrived. */
  rawHeaders: [string, string][];
  body: Buffer;
  /** The request asked for `100 Continue` and the server sent it before reading the body. */
  expectedContinue: boolean;
}

export interface CaptureServer {
  url: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

export type CaptureReply = (request: CapturedRequest) => { status: number; body: string };

/**
 * A plain node:http server that records every request byte for byte. `reply` picks the answer;
 * paths starting with `/refuse-early` get `417` from the `checkContinue` hook, before any body.
 */
export async function startCaptureServer(
  reply: CaptureReply = () => ({ status: 200, body: 'ok' }),
): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const pairs = (raw: string[]): [string, string][] => {
    const out: [string, string][] = [];
    for (let index = 0; index < raw.length; index += 2)
      out.push([raw[index] as string, raw[index + 1] as string]);
    return out;
  };
  const collect = (request: IncomingMessage, response: ServerResponse, expectedContinue: boolean): void => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const captured: CapturedRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        rawHeaders: pairs(request.rawHeaders),
        body: Buffer.concat(chunks),
        expectedContinue,
      };
      requests.push(captured);
      const answer = reply(captured);
      response.writeHead(answer.status, { 'content-type': 'text/plain' });
      response.end(answer.body);
    });
  };
  const server: Server = createServer((request, response) => collect(request, response, false));
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (request.url?.startsWith('/refuse-early')) {
      requests.push({
        method: request.method ?? '',
        url: request.url,
        rawHeaders: pairs(request.rawHeaders),
        body: Buffer.alloc(0),
        expectedContinue: true,
      });
      response.writeHead(417, { 'content-type': 'text/plain', connection: 'close' });
      response.end('expectation refused');
      return;
    }
    response.writeContinue();
    collect(request, response, true);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
