import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
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
