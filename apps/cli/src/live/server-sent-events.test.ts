/**
 * The live stream's reader: messages split anywhere across chunks (inside a UTF-8 character too) come
 * out whole, comments (heartbeats) are no messages, and it says why the stream ended: the server ended
 * it, it went silent past `idleMs`, the read failed, or the caller aborted.
 */
import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from './follow-receiver.js';
import { readServerSentEvents } from './server-sent-events.js';

const encoder = new TextEncoder();

/** A body that sends `chunks`, then ends (`end`), fails (`fail`), or stays open without a byte. */
function body(chunks: Uint8Array[], then: 'end' | 'fail' | 'hang'): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      if (then === 'end') controller.close();
      if (then === 'fail') controller.error(Object.assign(new Error('terminated'), { code: 'ECONNRESET' }));
    },
  });
}

describe('readServerSentEvents', () => {
  it('gives whole messages however the bytes are split, skips comments, and ends with the stream', async () => {
    const text =
      'retry: 3000\n: connected\n\nevent: change\ndata: {"kind":"delivery","shop":"áé"}\n\n: heartbeat\n\nevent: change\ndata: {"kind":"job"}\n\n';
    const bytes = encoder.encode(text);
    // one byte at a time: every split, inside "á" (two bytes) too
    const chunks = [...bytes].map((byte) => Uint8Array.of(byte));
    const messages: { event?: string | undefined; data: string }[] = [];
    const end = await readServerSentEvents(body(chunks, 'end'), (message) => messages.push(message), {
      idleMs: 10_000,
      signal: new AbortController().signal,
    });
    expect(end).toEqual({ kind: 'ended' });
    expect(messages.map(({ event, data }) => ({ event, data }))).toEqual([
      { event: 'change', data: '{"kind":"delivery","shop":"áé"}' },
      { event: 'change', data: '{"kind":"job"}' },
    ]);
  });

  it('drops an unfinished last message, as EventSource does', async () => {
    const messages: unknown[] = [];
    await readServerSentEvents(
      body([encoder.encode('event: change\ndata: {"kind":"job"}\n')], 'end'),
      (message) => messages.push(message),
      { idleMs: 10_000, signal: new AbortController().signal },
    );
    expect(messages).toEqual([]);
  });

  it('says when the read failed, when the stream went silent, and when it was aborted', async () => {
    const signal = new AbortController().signal;
    const failed = await readServerSentEvents(body([], 'fail'), () => {}, { idleMs: 10_000, signal });
    expect(failed).toMatchObject({ kind: 'failed' });

    const idle = await readServerSentEvents(body([encoder.encode(': connected\n\n')], 'hang'), () => {}, {
      idleMs: 200,
      signal,
    });
    expect(idle).toEqual({ kind: 'idle', ms: 200 });

    const stop = new AbortController();
    const reading = readServerSentEvents(body([], 'hang'), () => {}, { idleMs: 10_000, signal: stop.signal });
    stop.abort();
    expect(await reading).toEqual({ kind: 'aborted' });
  });
});

describe('reconnectDelayMs', () => {
  it('waits 1 s, then doubles up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(reconnectDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
});
