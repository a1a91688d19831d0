/**
 * The logger a module handler gets as `ctx.logger`: the receiver's logger, whose line scrubber masks
 * e-mail addresses, phone numbers and secrets but cannot tell a name or a street address in a line.
 * So the objects a handler logs (`ctx.logger.info({ order: event.order }, …)`) are masked first, as
 * the `log` handler masks its payloads (mask-personal-data.ts: an object is masked as an event's item —
 * only the fields listed as saying nothing about the person are printed as sent, names → initials, the
 * address → `[address]`, other text → `[text: N characters]` —, a text field by its name), and so are the
 * objects given to a format string (`ctx.logger.info('got %j', event.order)`) and a child's bindings
 * (`ctx.logger.child({ order })`, `setBindings`). Errors (`err`, or an Error logged alone) keep pino's serializer.
 * Children are masking loggers too. A name written into
 * the message text itself (`ctx.logger.info(\`order of ${name}\`)`) cannot be recognised: log ids.
 */
import type { Logger } from 'pino';
import { maskLoggedField, maskPersonalData } from './mask-personal-data.js';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

function maskMergeObject(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) return maskPersonalData(value);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = inner instanceof Error ? inner : maskLoggedField(key, inner);
  }
  return out;
}

export function maskingLogger(logger: Logger): Logger {
  return new Proxy(logger, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      if (LEVELS.has(property)) {
        // the arguments after the message are printed into it (`%j`, `%o`, `%O`): objects are masked too
        return (first: unknown, ...rest: unknown[]) =>
          (value as (...args: unknown[]) => void).call(
            target,
            maskMergeObject(first),
            ...rest.map(maskMergeObject),
          );
      }
      if (property === 'setBindings') {
        return (bindings: unknown) => (value as (b: unknown) => void).call(target, maskMergeObject(bindings));
      }
      if (property === 'child') {
        // a child's bindings are written on each of its lines
        return (bindings: unknown, ...rest: unknown[]) =>
          maskingLogger(
            (value as (...a: unknown[]) => Logger).call(target, maskMergeObject(bindings), ...rest),
          );
      }
      return value;
    },
  });
}
