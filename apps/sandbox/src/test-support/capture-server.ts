import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a receiver saw it on the wire. */
export interface CapturedRequest {
  method: string;
  url: string;
  /** Header names and values in wire order. */
  rawHeaders: string[];
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The request asked for `100 Continue` and got it before sending its body. */
  continued: boolean;
}

export interface CaptureReply {
  status: number;
  body?: string;
  /** Answer only after this long (to provoke delivery timeouts). */
  delayMs?: number;
}

export interface CaptureServer {
  url: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

/** A real node:http receiver that records every request (headers in wire order, raw body). */
export async function startCaptureServer(
  reply: (request: CapturedRequest) => CaptureReply = () => ({ status: 200, body: 'OK' }),
): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const handle = (req: http.IncomingMessage, res: http.ServerResponse, continued: boolean) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const captured: CapturedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        headers: req.headers,
        body: Buffer.concat(chunks),
        continued,
      };
      requests.push(captured);
      const answer = reply(captured);
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'text/plain' });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, answer.delayMs);
        timers.add(timer);
      } else send();
    });
  };
  const server = http.createServer((req, res) => handle(req, res, false));
  server.on('checkContinue', (req, res) => {
    res.writeContinue();
    handle(req, res, true);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
