import type { IncomingMessage } from 'node:http';

/** Reads a Fetch-API body up to `maxBytes`; undefined when it is larger (the rest is cancelled). */
export async function readRequestBody(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Buffer | undefined> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads a Node request body up to `maxBytes`; undefined when it is larger. Rejects when the body
 * cannot be read to its end: the stream fails (`aborted` when the sender closes the connection
 * early) or closes before its end.
 */
export function readNodeBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      finish();
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        chunks.length = 0;
        settle(() => resolve(undefined));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle(() => resolve(Buffer.concat(chunks, size))));
    req.on('error', (error) => settle(() => reject(error)));
    req.on('close', () => {
      if (!req.readableEnded) settle(() => reject(new Error('the connection closed before the body ended')));
    });
  });
}
