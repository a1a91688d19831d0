/**
 * Handler types that publish each event to the user's message broker: `nats` (JetStream), `amqp`
 * (RabbitMQ) and `redis-stream`. Connection strings and credentials may hold `${VAR}` references,
 * resolved from the environment when the handler is built (see processing/handlers/brokers/env-reference.ts),
 * so secrets live in the environment, not in srhooks.config.json.
 *
 * Templates (`subject`, `routingKey`, `stream`) take `{shop}` and `{event}` (e.g. `order_confirm`).
 */
import { WEBHOOK_EVENTS } from '@srhooks/contracts';
import { z } from 'zod';
import { millisecondsSchema } from './milliseconds.js';
import { natsPublishSubjectProblem, natsSubjectFilterProblem } from './nats-subject.js';

/** Placeholders a subject / routing key / stream key template may use. */
export const TEMPLATE_PLACEHOLDERS = ['shop', 'event'] as const;

const knownPlaceholders = (template: string) =>
  [...template.matchAll(/\{([^}]*)\}/g)].every((match) =>
    (TEMPLATE_PLACEHOLDERS as readonly string[]).includes(match[1] ?? ''),
  );
const PLACEHOLDERS_MESSAGE = `may only use the placeholders ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(' and ')}`;

const templateString = (what: string) =>
  z
    .string()
    .min(1, `must be a non-empty ${what} template`)
    .refine(knownPlaceholders, { error: PLACEHOLDERS_MESSAGE });

/**
 * An AMQP routing key may be empty: the usual key for a fanout exchange (which ignores it) and for a
 * headers exchange. (The default exchange routes by queue name, so "" there reaches no queue: refused
 * in AmqpHandlerConfigSchema.)
 */
const routingKeyTemplate = z
  .string({ error: 'must be a routing key template (a string; "" for none)' })
  .refine(knownPlaceholders, { error: PLACEHOLDERS_MESSAGE });

const DURATION_PATTERN = /^\s*\d+(?:\.\d+)?\s*(ms|s|m|h|d)\s*$/;
const DURATION_MESSAGE = 'must be milliseconds or a duration such as "2m"';
const duration = z.union([z.int().nonnegative(), z.string().regex(DURATION_PATTERN, DURATION_MESSAGE)], {
  error: DURATION_MESSAGE,
});

/** Fields every broker handler takes besides the common ones. */
const brokerCommon = {
  /** Connect + publish + broker acknowledgement, per attempt; default 10 s. */
  timeoutMs: millisecondsSchema(10_000).positive().max(600_000).optional(),
  /**
   * How often the connection is checked while no delivery uses it (Redis PING, NATS flush, a
   * RabbitMQ channel round trip), in ms; default 15 s. A failed check drops the connection.
   */
  probeIntervalMs: z
    .int({ error: 'must be a whole number of milliseconds (100 … 3600000), e.g. 15000' })
    .min(100, 'must be at least 100 ms')
    .max(3_600_000, 'must be at most 3600000 ms (1 hour)')
    .optional(),
};

export const DEFAULT_NATS_SUBJECT = 'shoprenter.{shop}.{event}';

export const natsHandlerFields = {
  type: z.literal('nats'),
  /** NATS server(s): `nats://host:port`, `tls://host:port` or `host:port` (checked in config/nats-server.ts); may hold `${VAR}`. */
  servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
    error: 'must be a NATS server URL such as nats://127.0.0.1:4222, or a list of them',
  }),
  /** Subject template; default `shoprenter.{shop}.{event}`. */
  subject: templateString('subject')
    .superRefine((template, ctx) => {
      const problem = natsPublishSubjectProblem(template);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** Credentials (`${VAR}` recommended): user + password, or a token. */
  user: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  /**
   * Create the stream when it does not exist (default: never create; a missing stream makes every
   * publish fail with "no stream matches the subject").
   */
  ensureStream: z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a JetStream stream name (letters, digits, _ and -)'),
      /** Subjects the stream captures; default the subject template with each placeholder as `*`. */
      subjects: z
        .array(
          z
            .string()
            .min(1)
            .superRefine((filter, ctx) => {
              const problem = natsSubjectFilterProblem(filter);
              if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
            }),
        )
        .min(1)
        .optional(),
      /** JetStream duplicate window (Nats-Msg-Id dedupe); default the server's (2 minutes). */
      duplicateWindow: duration.optional(),
      storage: z.enum(['file', 'memory']).optional(),
    })
    .optional(),
  ...brokerCommon,
};

export const amqpHandlerFields = {
  type: z.literal('amqp'),
  /** `amqp://user:pass@host:5672/vhost` (or amqps://); may hold `${VAR}`. */
  url: z
    .string()
    .regex(
      /^(amqps?:\/\/|\$\{)/,
      'must be an amqp:// or amqps:// URL, or an environment reference holding one',
    ),
  /** Exchange to publish to (must exist; "" = the default exchange, routing key = queue name). */
  exchange: z.string({
    error: (issue) =>
      issue.input === undefined
        ? 'is missing: the name of the RabbitMQ exchange to publish to ("" for the default exchange)'
        : 'must be the name of a RabbitMQ exchange ("" for the default exchange)',
  }),
  /** Routing key template; default `{shop}.{event}`; "" publishes with an empty key (fanout/headers exchanges). */
  routingKey: routingKeyTemplate.optional(),
  ...brokerCommon,
};

/**
 * What is wrong with a Redis URL's database (`redis://host:6379/2`), or null. ioredis reads the number
 * from the path's first segment and, when it is none, silently stays on database 0.
 */
export function redisUrlProblem(url: string): string | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return 'must be a URL such as redis://host:6379/0';
  }
  return /^(\/\d*)?$/.test(path)
    ? null
    : 'the database after the host must be a number, e.g. redis://host:6379/2 (or nothing, for database 0)';
}

export const redisStreamHandlerFields = {
  type: z.literal('redis-stream'),
  /** `redis://[user:pass@]host:6379[/db]` (or rediss://); may hold `${VAR}`. */
  url: z
    .string()
    .regex(
      /^(rediss?:\/\/|\$\{)/,
      'must be a redis:// or rediss:// URL, or an environment reference holding one',
    )
    // a URL from ${VAR} is checked once resolved (env-reference.ts)
    .superRefine((url, ctx) => {
      const problem = url.includes('${') || !/^rediss?:\/\//.test(url) ? null : redisUrlProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** Stream key template; default `shoprenter:{shop}:{event}`. */
  stream: templateString('stream key').optional(),
  /** Approximate cap on the stream's length (`XADD … MAXLEN ~ n`); default none. */
  maxLen: z
    .int({ error: 'must be a whole number of at least 1' })
    .min(1, 'must be a whole number of at least 1')
    .optional(),
  ...brokerCommon,
};

/**
 * What amqplib reads from an AMQP URL's query as numbers (`?heartbeat=30`), with the values RabbitMQ and
 * the protocol take; read as amqplib reads them (`parseInt`, the first of repeated keys).
 */
const AMQP_QUERY_NUMBERS: Readonly<Record<string, { least: number; most: number; what: string }>> = {
  heartbeat: {
    least: 0,
    most: 65_535,
    what: 'a whole number of seconds, 0 (no heartbeat) to 65535, e.g. ?heartbeat=30',
  },
  channelMax: { least: 0, most: 65_535, what: "a whole number, 0 (the server's limit) to 65535" },
  frameMax: {
    least: 4096,
    most: 4_294_967_295,
    what: "a whole number of bytes, 4096 (the least AMQP allows) to 4294967295, or 0 (the server's limit)",
  },
};

/**
 * What is wrong with the numbers in an AMQP URL's query, or null. amqplib sends them as they are:
 * `?heartbeat=abc` (NaN), `-1` or a frame size under 4096 made every connection fail ("Field 'heartbeat'
 * is the wrong type", or no answer at all), each attempt saying to check that RabbitMQ is running, until
 * the jobs dead-lettered. Never quotes the value (every query value may be a secret to the scrubber).
 */
export function amqpUrlQueryProblem(url: string): string | null {
  let query: URLSearchParams;
  try {
    query = new URL(url).searchParams;
  } catch {
    return null; // not a URL: said elsewhere
  }
  for (const [key, rule] of Object.entries(AMQP_QUERY_NUMBERS)) {
    const value = query.get(key);
    if (value === null) continue;
    const number = Number.parseInt(value, 10);
    const fits = number >= rule.least && number <= rule.most;
    if (!fits && !(key === 'frameMax' && number === 0))
      return `the query parameter "${key}" must be ${rule.what}: RabbitMQ takes no connection with this one`;
  }
  return null;
}

/** A problem of a handler's settings together: the field it is about, and what to do. */
export interface HandlerFieldIssue {
  path: string[];
  message: string;
}

/**
 * NATS authenticates with user and password, or with a token: one without the other half, or both kinds
 * at once, would fail every connection (or authenticate otherwise than meant) until the jobs dead-letter.
 */
export function natsCredentialIssues(handler: {
  user?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
}): HandlerFieldIssue[] {
  const issues: HandlerFieldIssue[] = [];
  if (handler.user !== undefined && handler.password === undefined) {
    issues.push({
      path: ['password'],
      message:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the literal config text the message names
        'is missing: "user" needs its password (e.g. "${NATS_PASSWORD}"), or give "token" instead of both',
    });
  }
  if (handler.password !== undefined && handler.user === undefined) {
    issues.push({
      path: ['user'],
      message: 'is missing: "password" needs the user it belongs to, or give "token" instead of both',
    });
  }
  if (handler.token !== undefined && (handler.user !== undefined || handler.password !== undefined)) {
    issues.push({
      path: ['token'],
      message:
        'is given with "user"/"password": a NATS connection uses one of them, user and password or a token; remove the other',
    });
  }
  return issues;
}

/** RabbitMQ's limit for an exchange name and a routing key (AMQP 0-9-1 short strings), in bytes. */
const AMQP_NAME_MAX_BYTES = 255;
/** The longest values `{shop}` and `{event}` take (a ShopRenter shop name has at most 63 characters). */
const LONGEST_SHOP = 'x'.repeat(63);
const LONGEST_EVENT = WEBHOOK_EVENTS.reduce((longest, event) =>
  event.length > longest.length ? event : longest,
);

/**
 * What RabbitMQ would refuse at every publish, said at start: a URL that is none (a port over 65535, a
 * broken host) or whose query numbers RabbitMQ takes no connection with, an exchange name or a routing key (with its placeholders filled in) over 255 bytes.
 */
export function amqpLimitIssues(handler: {
  url: string;
  exchange: string;
  routingKey?: string | undefined;
}): HandlerFieldIssue[] {
  const issues: HandlerFieldIssue[] = [];
  // a URL from ${VAR} is checked once resolved (env-reference.ts)
  if (!handler.url.includes('${') && !URL.canParse(handler.url)) {
    issues.push({
      path: ['url'],
      message:
        'is not a valid URL (a port is 1 to 65535; user and password are percent-encoded): e.g. amqp://user:password@rabbitmq.example.com:5672/vhost',
    });
  }
  const query = handler.url.includes('${') ? null : amqpUrlQueryProblem(handler.url);
  if (query !== null) issues.push({ path: ['url'], message: query });
  const exchangeBytes = Buffer.byteLength(handler.exchange);
  if (exchangeBytes > AMQP_NAME_MAX_BYTES) {
    issues.push({
      path: ['exchange'],
      message: `is ${exchangeBytes} bytes long: RabbitMQ takes exchange names of at most ${AMQP_NAME_MAX_BYTES} bytes`,
    });
  }
  if (handler.routingKey !== undefined) {
    const filled = handler.routingKey.replaceAll('{shop}', LONGEST_SHOP).replaceAll('{event}', LONGEST_EVENT);
    const keyBytes = Buffer.byteLength(filled);
    if (keyBytes > AMQP_NAME_MAX_BYTES) {
      issues.push({
        path: ['routingKey'],
        message: `can be ${keyBytes} bytes long once {shop} (up to 63 characters) and {event} are filled in: RabbitMQ takes routing keys of at most ${AMQP_NAME_MAX_BYTES} bytes; shorten it`,
      });
    }
  }
  return issues;
}
