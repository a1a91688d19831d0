import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../store/store-errors.js';
import { createLogger, infoLineWriter, serializeRequest } from './create-logger.js';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(line) },
    secrets: ['a-configured-secret-value'],
  });
  return { lines, logger };
}

const request = {
  method: 'POST',
  url: '/hooks/demo/order_confirm/c2VjcmV0LXRva2Vu',
  ip: '127.0.0.1',
  headers: { 'user-agent': 'ShopRenter (ops: ops@example.com, +36 30 457 3549)' },
} as unknown as FastifyRequest;

const context = {
  deliveryId: 'dlv_01m8grjcz3mce8y4fn581ykgyz',
  shop: 'demo',
  event: 'order_confirm',
  outcome: 'stored',
  events: 1,
  duplicates: 0,
};

describe('the fast info line', () => {
  it('writes the same JSON, key for key and in the same order, as pino does for the same fields', () => {
    const { lines, logger } = capture();
    const child = logger.child({ reqId: 'req-7' });
    child.info(
      { req: request, res: { statusCode: 200 }, responseTime: 1.25, ...context },
      'request completed',
    );
    const fast = infoLineWriter(child);
    expect(fast).not.toBeNull();
    fast?.(
      {
        reqId: 'req-7',
        req: serializeRequest(request),
        res: { statusCode: 200 },
        responseTime: 1.25,
        ...context,
      },
      'request completed',
    );
    expect(lines).toHaveLength(2);
    const [viaPino, viaFast] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(Object.keys(viaFast ?? {})).toEqual(Object.keys(viaPino ?? {}));
    expect({ ...viaFast, time: 0 }).toEqual({ ...viaPino, time: 0 });
    expect(lines[1]?.endsWith('\n')).toBe(true);
  });

  it('goes through the same redactor: no token, e-mail address or phone number', () => {
    const { lines, logger } = capture();
    infoLineWriter(logger)?.(
      { req: serializeRequest(request), note: 'a-configured-secret-value' },
      'request completed',
    );
    const line = lines[0] ?? '';
    expect(line).toContain('/hooks/demo/order_confirm/[token]');
    expect(line).not.toContain('c2VjcmV0LXRva2Vu');
    expect(line).not.toContain('ops@example.com');
    expect(line).not.toContain('457 3549');
    expect(line).not.toContain('a-configured-secret-value');
  });

  it('is absent from a logger made elsewhere, so the controller falls back to pino', async () => {
    const { pino } = await import('pino');
    expect(infoLineWriter(pino({ level: 'silent' }))).toBeNull();
  });
});

describe('errors in log lines', () => {
  it('logs a store error the store threw on purpose by its code and message, without a stack trace (a database outage is expected, not a bug)', () => {
    const { lines, logger } = capture();
    const cause = new Error('Connection terminated unexpectedly');
    logger.error(
      { err: new StoreUnavailableError('PostgreSQL: Connection terminated unexpectedly', { cause }) },
      'cannot record the outcome of a job; it will run again after its lease expires',
    );
    const line = JSON.parse(lines[0] ?? '{}') as { err: Record<string, unknown> };
    expect(line.err).toEqual({
      type: 'StoreUnavailableError',
      code: 'store_unavailable',
      message:
        'The event store is unavailable (PostgreSQL: Connection terminated unexpectedly). Nothing was stored; retry once the database is reachable again.',
    });
    expect(lines[0]).not.toContain('    at ');
  });

  it('keeps the stack of an unexpected error (a bug to report)', () => {
    const { lines, logger } = capture();
    logger.error({ err: new TypeError('x is not a function') }, 'job worker loop failed');
    const line = JSON.parse(lines[0] ?? '{}') as { err: { stack?: string } };
    expect(line.err.stack).toContain('TypeError: x is not a function');
  });

  it('writes fields already picked from an error (a plain object) as they are, not as an Error of type Object with an empty stack', () => {
    const { lines, logger } = capture();
    logger.error(
      { err: { code: 'ENOENT', message: 'the spool folder is gone' } },
      'spool drain failed; tried again later',
    );
    const line = JSON.parse(lines[0] ?? '{}') as { err: Record<string, unknown> };
    expect(line.err).toEqual({ code: 'ENOENT', message: 'the spool folder is gone' });
  });
});
