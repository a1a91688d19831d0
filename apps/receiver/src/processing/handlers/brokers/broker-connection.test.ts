/**
 * BrokerConnectionState's log lines (through a real pino logger) and brokerHostPort's credential-free
 * `host:port`. The handlers' use of both is tested against the real brokers in nats/amqp/redis-stream
 * tests.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BrokerConnectionState, brokerHostPort } from './broker-connection.js';

function capture(): { lines: Record<string, unknown>[]; state: BrokerConnectionState } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const state = new BrokerConnectionState(logger, { handler: 'bus', type: 'nats', broker: 'nats-1:4222' });
  return { lines, state };
}

describe('BrokerConnectionState', () => {
  it('one warn line per outage, one info line when back; nothing for a close by the worker', () => {
    const { lines, state } = capture();
    state.up();
    expect(lines).toEqual([]); // the first connection is not news
    state.down('broker_timeout');
    state.down('broker_unreachable'); // the same outage: no second line
    expect(state.connected).toBe(false);
    state.up();
    state.up();
    state.closed();
    expect(
      lines.map(({ level, msg, handler, handlerType, broker, errorCode }) => ({
        level,
        msg,
        handler,
        handlerType,
        broker,
        errorCode,
      })),
    ).toEqual([
      {
        level: 40,
        msg: 'broker connection lost',
        handler: 'bus',
        handlerType: 'nats',
        broker: 'nats-1:4222',
        errorCode: 'broker_timeout',
      },
      {
        level: 30,
        msg: 'broker connection restored',
        handler: 'bus',
        handlerType: 'nats',
        broker: 'nats-1:4222',
        errorCode: undefined,
      },
    ]);
  });

  it('a broker never reached says so; a step marked while up holds only if nothing changed since', () => {
    const { lines, state } = capture();
    expect(state.mark()).toBeNull();
    state.down('broker_unreachable');
    expect(lines.map((line) => line.msg)).toEqual(['cannot connect to the broker']);
    state.up();
    const mark = state.mark();
    expect(state.heldThroughout(mark)).toBe(true);
    state.down('broker_unreachable');
    state.up();
    expect(state.heldThroughout(mark)).toBe(false); // reconnected in between
  });
});

describe('brokerHostPort', () => {
  it.each([
    ['amqp://srhooks:s3cret@rabbit:5672/shop', 5672, 'rabbit:5672'],
    ['amqps://user:pw@rabbit.example/vhost?heartbeat=10', 5672, 'rabbit.example:5671'],
    ['redis://:pw@redis:6380/0', 6379, 'redis:6380'],
    ['rediss://redis.example', 6379, 'redis.example:6379'],
    ['nats://u:p@nats-1', 4222, 'nats-1:4222'],
    ['127.0.0.1:4223', 4222, '127.0.0.1:4223'],
  ])('%s → %s', (address, defaultPort, expected) => {
    const hostPort = brokerHostPort(address, defaultPort);
    expect(hostPort).toBe(expected);
    expect(hostPort).not.toMatch(/s3cret|pw|:p@/);
  });

  it('nextChange settles at the next up, loss or close; a cancelled watcher is not kept', async () => {
    const state = new BrokerConnectionState(undefined, {
      handler: 'bus',
      type: 'nats',
      broker: 'nats-1:4222',
    });
    const settled = async (watch: { changed: Promise<void> }) =>
      Promise.race([
        watch.changed.then(() => true),
        new Promise((resolve) => setTimeout(() => resolve(false), 20)),
      ]);
    const first = state.nextChange();
    state.up();
    expect(await settled(first)).toBe(true);
    const second = state.nextChange();
    state.up(); // already up: no change
    expect(await settled(second)).toBe(false);
    state.down('broker_unreachable');
    expect(await settled(second)).toBe(true);
    const third = state.nextChange();
    third.cancel();
    state.closed();
    expect(await settled(third)).toBe(false);
    const fourth = state.nextChange();
    state.closed();
    expect(await settled(fourth)).toBe(true);
  });
});
