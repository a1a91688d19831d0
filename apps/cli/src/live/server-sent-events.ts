/**
 * Reads a `text/event-stream` answer (the receiver's live stream) with eventsource-parser: each
 * message to `onMessage` as it is complete, comments (heartbeats) only keep the stream alive. Resolves
 * with why it ended: the server ended it, nothing arrived for `idleMs` (a connection that died without
 * closing: the receiver sends a heartbeat every 15 s), the read failed (the connection dropped), or
 * `signal` aborted it (rejects only with an error `onMessage` throws).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type StreamEnd =
  | { kind: 'ended' }
  | { kind: 'idle'; ms: number }
  | { kind: 'failed'; error: unknown }
  | { kind: 'aborted' };

export interface ReadEventsOptions {
  /** How long the stream may stay silent (no message, no heartbeat) before it counts as dead. */
  idleMs: number;
  signal: AbortSignal;
}

export async function readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  onMessage: (message: EventSourceMessage) => void,
  options: ReadEventsOptions,
): Promise<StreamEnd> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = createParser({ onEvent: onMessage });
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      void reader.cancel().catch(() => {});
    }, options.idleMs);
  };
  const abort = (): void => {
    void reader.cancel().catch(() => {});
  };
  options.signal.addEventListener('abort', abort, { once: true });
  arm();
  try {
    if (options.signal.aborted) return { kind: 'aborted' };
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (options.signal.aborted) return { kind: 'aborted' };
        if (idle) return { kind: 'idle', ms: options.idleMs };
        return { kind: 'failed', error };
      }
      if (options.signal.aborted) return { kind: 'aborted' };
      if (idle) return { kind: 'idle', ms: options.idleMs };
      if (chunk.done) {
        // an incomplete last message is dropped, as EventSource drops it
        parser.feed(decoder.decode());
        return { kind: 'ended' };
      }
      arm();
      parser.feed(decoder.decode(chunk.value, { stream: true }));
    }
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', abort);
    reader.releaseLock();
  }
}
