/** A real HTTP server on 127.0.0.1 that plays a forward target: records requests, answers as told. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TargetRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TargetAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** `'hang'` never answers (timeout tests). */
export type TargetBehaviour = (request: TargetRequest, requestNo: number) => TargetAnswer | 'hang';

export interface RunningTarget {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  requests: TargetRequest[];
  behave(next: TargetBehaviour): void;
  close(): Promise<void>;
}

export async function startTarget(
  behaviour: TargetBehaviour = () => ({ status: 200 }),
): Promise<RunningTarget> {
  let current = behaviour;
  const requests: TargetRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: TargetRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const answer = current(request, requests.length);
      if (answer === 'hang') return;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    behave: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
