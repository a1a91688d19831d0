/**
 * The `nats` handler: publishes each event to NATS JetStream on a subject from a template (default
 * `shoprenter.{shop}.{event}`), with `Nats-Msg-Id` = the message id (the event id; see broker-message.ts),
 * so JetStream's duplicate window drops a re-publish after a crash. The job is done only when the
 * stream acknowledged the message (a PubAck; a `duplicate` ack counts: the message is in the stream).
 *
 * One connection per handler, opened on the first job; the NATS client reconnects by itself forever
 * (publishes while it is away time out and the job retries). With `ensureStream`, the stream is created
 * when missing (once per connection); otherwise a subject no stream captures fails every attempt with
 * that reason.
 */
import { type JetStreamClient, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type { ClaimedJob } from '../../../store/store.js';
import { describeError, type HandlerOutcome } from '../../handler-outcome.js';
import { type BrokerHandler, CLOSE_TIMEOUT_MS, DEFAULT_BROKER_TIMEOUT_MS } from './broker-handler.js';
import { brokerMessage, renderTemplate } from './broker-message.js';
import { redactUrl, scrubSecrets } from './env-reference.js';
import { withTimeout } from './with-timeout.js';

export const DEFAULT_NATS_SUBJECT = 'shoprenter.{shop}.{event}';

export interface NatsHandlerOptions {
  /** Handler name, for messages and the connection name. */
  name: string;
  /** Server URLs, `${VAR}` already resolved. */
  servers: string[];
  subject?: string;
  user?: string;
  password?: string;
  token?: string;
  ensureStream?: {
    name: string;
    subjects?: string[];
    duplicateWindowMs?: number;
    storage?: 'file' | 'memory';
  };
  timeoutMs?: number;
  /** Values to scrub from error texts (resolved credentials). */
  secrets?: readonly string[];
}

/** `shoprenter.{shop}.{event}` → `shoprenter.*.*`: what a stream must capture for the template. */
export function subjectFilter(template: string): string {
  return template
    .split('.')
    .map((token) => (/\{(shop|event)\}/.test(token) ? '*' : token))
    .join('.');
}

export function createNatsHandler(options: NatsHandlerOptions): BrokerHandler {
  const template = options.subject ?? DEFAULT_NATS_SUBJECT;
  const timeoutMs = options.timeoutMs ?? DEFAULT_BROKER_TIMEOUT_MS;
  const secrets = options.secrets ?? [];
  const where = options.servers.map(redactUrl).join(', ');
  let connection: Promise<{ nc: NatsConnection; js: JetStreamClient }> | null = null;
  let connected = false;
  let closing = false;

  const open = async (): Promise<{ nc: NatsConnection; js: JetStreamClient }> => {
    const nc = await connect({
      servers: options.servers,
      name: `srhooks-receiver/${options.name}`,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.password === undefined ? {} : { pass: options.password }),
      ...(options.token === undefined ? {} : { token: options.token }),
      timeout: timeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
    });
    connected = true;
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') connected = false;
        else if (status.type === 'reconnect') connected = true;
      }
    })().catch(() => {});
    const opened = connection;
    void nc.closed().then(() => {
      connected = false;
      // Closed for good (not by close()): the next job connects afresh.
      if (connection === opened && !closing) connection = null;
    });
    if (options.ensureStream) {
      try {
        await ensureStream(nc, options.ensureStream, template, timeoutMs);
      } catch (error) {
        await nc.close().catch(() => {});
        throw new Error(`cannot ensure stream "${options.ensureStream.name}": ${describeError(error)}`);
      }
    }
    return { nc, js: jetstream(nc) };
  };

  const connection$ = (): Promise<{ nc: NatsConnection; js: JetStreamClient }> => {
    if (!connection) {
      const opening = open();
      connection = opening;
      opening.catch(() => {
        if (connection === opening) connection = null;
      });
    }
    return connection;
  };

  return {
    get connected() {
      return connected;
    },
    async run(job: ClaimedJob): Promise<HandlerOutcome> {
      const subject = renderTemplate(template, job);
      const message = brokerMessage(job);
      const fail = (step: string, error: unknown): HandlerOutcome => ({
        status: 'retry',
        error: scrubSecrets(`${step}: ${describeError(error)}`, secrets),
      });
      let js: JetStreamClient;
      try {
        ({ js } = await withTimeout(connection$(), timeoutMs, `connecting to NATS at ${where}`));
      } catch (error) {
        return fail(`cannot connect to NATS at ${where}`, error);
      }
      const h = headers();
      h.set('content-type', 'application/json');
      h.set('srhooks-type', message.type);
      h.set('srhooks-shop', message.shop);
      h.set('srhooks-event-id', message.eventId);
      h.set('srhooks-source', message.source);
      try {
        const ack = await js.publish(subject, message.body, {
          msgID: message.messageId,
          headers: h,
          timeout: timeoutMs,
        });
        if (!ack.stream) return fail(`JetStream did not acknowledge "${subject}"`, 'empty ack');
        return { status: 'succeeded' };
      } catch (error) {
        return fail(
          `JetStream publish to "${subject}" (${where}) was not acknowledged (is there a stream for it? set "ensureStream" to create one)`,
          error,
        );
      }
    },
    async close() {
      const current = connection;
      connection = null;
      if (!current) return;
      closing = true;
      try {
        const { nc } = await current;
        // Bounded: draining over a dead connection waits for the server.
        await withTimeout(nc.drain(), CLOSE_TIMEOUT_MS, 'draining the NATS connection').catch(() =>
          nc.close(),
        );
      } catch {
        // never connected
      } finally {
        closing = false;
        connected = false;
      }
    },
  };
}

async function ensureStream(
  nc: NatsConnection,
  spec: NonNullable<NatsHandlerOptions['ensureStream']>,
  template: string,
  timeoutMs: number,
): Promise<void> {
  const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
  try {
    await jsm.streams.info(spec.name);
    return;
  } catch (error) {
    if (!/not found/i.test(describeError(error))) throw error;
  }
  await jsm.streams.add({
    name: spec.name,
    subjects: spec.subjects ?? [subjectFilter(template)],
    ...(spec.duplicateWindowMs === undefined ? {} : { duplicate_window: spec.duplicateWindowMs * 1_000_000 }),
    ...(spec.storage === undefined
      ? {}
      : { storage: spec.storage === 'memory' ? StorageType.Memory : StorageType.File }),
  });
}
