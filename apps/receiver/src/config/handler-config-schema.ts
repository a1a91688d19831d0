/**
 * The `handlers` of the receiver's configuration (config-schema.ts): each handler type's schema (loose
 * objects refusing near misses of their keys), the union over `type`, and the record of them by name
 * (names checked beside their definitions; NATS servers checked once each definition is valid).
 */
import { APP_EVENTS, WEBHOOK_EVENTS } from '@srhooks/contracts';
import { meantName } from '@srhooks/contracts/meant-name';
import { z } from 'zod';
import {
  amqpHandlerFields,
  amqpLimitIssues,
  natsCredentialIssues,
  natsHandlerFields,
  redisStreamHandlerFields,
} from './broker-handler-schemas.js';
import { timeLimitSchema } from './milliseconds.js';
import { natsServerProblem } from './nats-server.js';
import { retryProblems } from './retry-config.js';

/** `must be one of a, b, c`, naming the one a typo meant (the value given is never quoted). */
export function oneOf(names: readonly string[]) {
  return (issue: { input?: unknown }): string => {
    const meant = typeof issue.input === 'string' ? meantName(issue.input, names) : undefined;
    return `must be one of ${names.join(', ')}${meant ? ` (did you mean "${meant}"?)` : ''}`;
  };
}

const HANDLER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const HANDLER_NAME_PROBLEM =
  'is not an allowed name: a handler name is 1 to 63 letters, digits, "_", "." and "-", starting with a letter or digit';
const EMPTY_HANDLER_NAME_PROBLEM =
  'a handler name must not be empty: name it with 1 to 63 letters, digits, "_", "." and "-", starting with a letter or digit';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields every handler type accepts. Handlers are defined once by name and referenced from shops. */
const HandledEventSchema = z.enum([...WEBHOOK_EVENTS, ...APP_EVENTS], {
  error: oneOf([...WEBHOOK_EVENTS, ...APP_EVENTS]),
});

const handlerCommon = {
  /**
   * Only these events reach the handler (default: every event of the shops that reference it). App mode
   * adds app_uninstalled, payment_status and payment_card_change.
   */
  events: z
    .array(HandledEventSchema)
    .min(
      1,
      'must list at least one event (an empty list lets none reach the handler); to let every event of its shops reach it, remove "events"',
    )
    .optional(),
  /** At most this many jobs of this handler run at the same time (part 2's workers). */
  concurrency: z
    .int({ error: 'must be a whole number of at least 1' })
    .min(1, 'must be a whole number of at least 1')
    .optional(),
};

/**
 * Handler objects stay loose (an option a later version adds does not break an older receiver), but a
 * key within two edits (three for a key of 6+ characters) of one the handler type takes (`timeoutMS`,
 * `allowPrivateTarget`, `retries`) is a
 * typo that would silently leave the default in force: refused, naming the key meant. `retry` is built
 * by the worker (handler-runners.ts) but checked here (retry-config.ts), with the other problems.
 */
function refuseNearMissKeys(shape: Record<string, unknown>) {
  const known = [...Object.keys(shape), 'retry'];
  return (handler: Record<string, unknown>, ctx: z.core.$RefinementCtx) => {
    for (const key of Object.keys(handler)) {
      if (known.includes(key)) continue;
      const meant = meantName(key, known);
      if (meant !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown key; did you mean "${meant}"?` });
      }
    }
    if (handler.retry !== undefined)
      for (const problem of retryProblems(handler.retry))
        ctx.addIssue({ code: 'custom', path: ['retry', ...problem.path], message: problem.message });
  };
}

/** A handler type's loose object, refusing near misses of its keys ({@link refuseNearMissKeys}). */
function looseHandler<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  // also when a key is missing or invalid: `"paht"` is worth naming beside "path is missing"
  return z.looseObject(shape).superRefine(refuseNearMissKeys(shape), {
    when: (payload) =>
      payload.value !== null && typeof payload.value === 'object' && !Array.isArray(payload.value),
  });
}

/**
 * Handler definitions. Typed for the keys part 1 knows; loose objects so part 2 can add
 * options (retry schedule, timeouts, …) without breaking existing config files.
 */
const FORWARD_SECRET_FORMAT =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the literal config text the message names
  'must be a Standard Webhooks secret: whsec_<base64>, e.g. "whsec_" followed by the output of `openssl rand -base64 32`, or ${VAR} naming the environment variable that holds it; give the receiving system the same secret to verify the signatures';

/** A value that refers to the environment (`${ERP_SECRET}`): checked once resolved, at start. */
const ENV_REFERENCE = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;

export const ForwardHandlerConfigSchema = looseHandler({
  type: z.literal('forward'),
  /**
   * Target URL; the normalised event is POSTed there, signed per Standard Webhooks. May hold `${VAR}`
   * (an API key in the query), or start with one (the whole URL, or its base, from the environment):
   * then checked once resolved (processing/handlers/brokers/env-reference.ts).
   */
  url: z.union([z.url({ protocol: /^https?$/ }), z.string().regex(/^(?:https?:\/\/.*)?\$\{/)], {
    error: 'must be an http(s) URL',
  }),
  /** Standard Webhooks signing secret (`whsec_` + base64), or `${VAR}` naming the variable holding it. */
  secret: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'is missing: the Standard Webhooks secret (whsec_<base64>) the target verifies signatures with'
          : FORWARD_SECRET_FORMAT,
    })
    .refine((secret) => /^whsec_[A-Za-z0-9+/=]{16,}$/.test(secret) || ENV_REFERENCE.test(secret), {
      error: FORWARD_SECRET_FORMAT,
    }),
  /** Allow private/loopback targets (off by default: SSRF protection). */
  allowPrivateTargets: z.boolean().optional(),
  timeoutMs: timeLimitSchema(10_000).optional(),
  ...handlerCommon,
});

export const ModuleHandlerConfigSchema = looseHandler({
  type: z.literal('module'),
  /** Path of an ESM file exporting `defineHandlers({...})`; relative paths resolve from the config file. */
  path: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'is missing: the path of an ESM module whose default export is defineHandlers({…})'
          : 'must be the path of an ESM module',
    })
    .min(1, 'must be the path of an ESM module'),
  /** Time limit of one handler call (ctx.signal aborts, the attempt fails); default 30 s. */
  timeoutMs: timeLimitSchema(30_000).optional(),
  ...handlerCommon,
});

export const LogHandlerConfigSchema = looseHandler({
  type: z.literal('log'),
  ...handlerCommon,
});

/** Broker handlers (fields in broker-handler-schemas.ts). */
export const NatsHandlerConfigSchema = looseHandler({ ...natsHandlerFields, ...handlerCommon }).superRefine(
  (handler, ctx) => {
    for (const issue of natsCredentialIssues(handler)) ctx.addIssue({ code: 'custom', ...issue });
  },
);
export const AmqpHandlerConfigSchema = looseHandler({ ...amqpHandlerFields, ...handlerCommon }).superRefine(
  (handler, ctx) => {
    for (const issue of amqpLimitIssues(handler)) ctx.addIssue({ code: 'custom', ...issue });
    // The default exchange routes by queue name, and no queue is named "": every publish would be unroutable.
    if (handler.exchange === '' && handler.routingKey === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['routingKey'],
        message:
          'is "" with the default exchange (exchange ""), which routes by queue name, so no queue would get the messages: give the queue name as routingKey, or name a fanout or headers exchange in "exchange"',
      });
    }
  },
);
export const RedisStreamHandlerConfigSchema = looseHandler({
  ...redisStreamHandlerFields,
  ...handlerCommon,
});

export const HandlerConfigSchema = z.discriminatedUnion(
  'type',
  [
    ForwardHandlerConfigSchema,
    ModuleHandlerConfigSchema,
    LogHandlerConfigSchema,
    NatsHandlerConfigSchema,
    AmqpHandlerConfigSchema,
    RedisStreamHandlerConfigSchema,
  ],
  {
    error: (issue) => {
      const types = ['forward', 'module', 'log', 'nats', 'amqp', 'redis-stream'];
      const given = (issue.input as { type?: unknown } | undefined)?.type;
      const meant = typeof given === 'string' ? meantName(given, types) : undefined;
      return `must have "type": "forward", "module", "log", "nats", "amqp" or "redis-stream"${meant ? ` (did you mean "${meant}"?)` : ''}`;
    },
  },
);
export type HandlerConfig = z.infer<typeof HandlerConfigSchema>;
export type HandlerType = HandlerConfig['type'];

// A handler's name is checked beside its definition, not as the record's key: a key zod refuses
// skips its value and every check after it, so one bad name hid the handler's own problems and the
// other handlers' NATS servers until it was fixed (one more restart per round).
export const HandlersConfigSchema = z.record(z.string(), HandlerConfigSchema).superRefine(
  (handlers, ctx) => {
    for (const name of Object.keys(handlers)) {
      if (!HANDLER_NAME.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: name === '' ? EMPTY_HANDLER_NAME_PROBLEM : HANDLER_NAME_PROBLEM,
        });
      }
    }
    // A NATS server the client cannot use fails here, not at the first delivery (see nats-server.ts);
    // over each handler whose definition is valid on its own (the others' problems are said already).
    for (const [name, handler] of Object.entries(handlers)) {
      if (handler?.type !== 'nats' || !HandlerConfigSchema.safeParse(handler).success) continue;
      const servers = [handler.servers].flat();
      servers.forEach((server, index) => {
        // `${VAR}`: checked once resolved, when the receiver starts (env-reference.ts).
        const problem = server.includes('${') ? null : natsServerProblem(name, server);
        if (problem) {
          const path = Array.isArray(handler.servers) ? [name, 'servers', index] : [name, 'servers'];
          ctx.addIssue({ code: 'custom', path, message: problem });
        }
      });
    }
  },
  // also when a handler's definition failed: the record is an object of them, each checked alone
  { when: (payload) => isRecord(payload.value) },
);
