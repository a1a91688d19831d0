/**
 * PublishingBlock's state and log lines through a real pino logger; RabbitMQ's own connection.blocked
 * and connection.unblocked are exercised on a real broker in amqp-broker-limits.test.ts.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PublishingBlock } from './amqp-blocked.js';

function capture(): { lines: Record<string, unknown>[]; block: PublishingBlock } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const block = new PublishingBlock(logger, { handler: 'rabbit', type: 'amqp', broker: 'rabbit:5672' });
  return { lines, block };
}

describe('PublishingBlock', () => {
  it('one warn line per alarm, also when the blocked connection is replaced meanwhile; one info line when a publish goes through', () => {
    const { lines, block } = capture();
    const mark = block.mark();
    block.blocked('low on disk');
    expect(block.reason).toBe('low on disk');
    expect(block.blockedSince(mark)).toBe(true);
    block.connectionGone(); // lost while blocked: the new connection is blocked again at its first publish
    expect(block.reason).toBeNull();
    expect(block.blockedSince(mark)).toBe(true); // the step that began before was held by it
    block.blocked('low on disk');
    block.connectionGone();
    block.published();
    expect(block.blockedSince(block.mark())).toBe(false);
    expect(
      lines.map(({ level, msg, reason, handler, handlerType, broker }) => ({
        level,
        msg,
        reason,
        handler,
        handlerType,
        broker,
      })),
    ).toEqual([
      {
        level: 40,
        msg: 'broker blocked publishing',
        reason: 'low on disk',
        handler: 'rabbit',
        handlerType: 'amqp',
        broker: 'rabbit:5672',
      },
      {
        level: 30,
        msg: 'broker unblocked publishing',
        reason: undefined,
        handler: 'rabbit',
        handlerType: 'amqp',
        broker: 'rabbit:5672',
      },
    ]);
  });

  it('a block without a reason says so; a close by the worker ends it without a line, and releases waiters at once', async () => {
    const { lines, block } = capture();
    block.blocked('');
    expect(block.reason).toBe('no reason given');
    const started = Date.now();
    const waiting = block.ended(60_000);
    block.closed();
    expect(await waiting).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    block.published();
    expect(lines.map((line) => line.msg)).toEqual(['broker blocked publishing']);
  });

  it('ended(ms) is false when still blocked after ms, true as soon as connection.unblocked comes', async () => {
    const { block } = capture();
    block.blocked('low on memory');
    expect(await block.ended(50)).toBe(false);
    const waiting = block.ended(60_000);
    setTimeout(() => block.unblocked(), 20);
    expect(await waiting).toBe(true);
  });
});
