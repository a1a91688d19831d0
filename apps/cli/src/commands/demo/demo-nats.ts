/**
 * `srhooks demo --nats [url]`: the demo's receiver also runs a `nats` handler that publishes every
 * event to NATS JetStream, into a stream of this demo run (created by the handler's `ensureStream`,
 * in memory, removed when the demo stops), and a consumer reads the stream back for the summary.
 */
import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CliError, EXIT_CODES } from '../../cli-error.js';

export const DEFAULT_DEMO_NATS_URL = 'nats://127.0.0.1:4222';
export const NATS_HANDLER = 'nats';

/** What the demo reports about its NATS stream (`--json` prints it under `nats`). */
export interface DemoNatsResult {
  servers: string;
  stream: string;
  /** The handler's subject template. */
  subject: string;
  /** Messages a consumer read back from the stream. */
  messages: number;
  /** Distinct Nats-Msg-Id values among them (one per event). */
  events: number;
  /** Subjects of the messages read back, with how many each. */
  subjects: Record<string, number>;
}

export interface DemoNats {
  /** The receiver's handler definition. */
  handler: Record<string, unknown>;
  servers: string;
  stream: string;
  subject: string;
  /** Reads the stream with an ordered consumer. */
  readBack(): Promise<DemoNatsResult>;
  /** Deletes the demo's stream and closes the connection. */
  remove(): Promise<void>;
}

/** Connects (to check NATS is there with JetStream) and describes the demo's handler and stream. */
export async function prepareDemoNats(servers: string): Promise<DemoNats> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers, timeout: 3000, maxReconnectAttempts: 0 });
    await (await jetstreamManager(nc)).getAccountInfo();
  } catch (error) {
    throw new CliError(
      `cannot use NATS JetStream at ${servers} (${(error as Error).message}); start a server with JetStream (nats-server -js) or leave out --nats`,
      { code: 'nats_unavailable', exitCode: EXIT_CODES.remote },
    );
  }
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const stream = `SRHOOKS_DEMO_${run}`;
  const subject = `srhooks-demo.${run}.{shop}.{event}`;
  return {
    servers,
    stream,
    subject,
    handler: {
      type: 'nats',
      servers,
      subject,
      ensureStream: { name: stream, storage: 'memory' },
      timeoutMs: 5000,
    },
    async readBack() {
      const jsm = await jetstreamManager(nc);
      const total = (await jsm.streams.info(stream)).state.messages;
      const consumer = await jetstream(nc).consumers.get(stream);
      const ids = new Set<string>();
      const subjects: Record<string, number> = {};
      let messages = 0;
      const deadline = Date.now() + 5000;
      while (messages < total && Date.now() < deadline) {
        for await (const message of await consumer.fetch({ max_messages: total - messages, expires: 1000 })) {
          messages += 1;
          ids.add(message.headers?.get('Nats-Msg-Id') ?? '');
          subjects[message.subject] = (subjects[message.subject] ?? 0) + 1;
        }
      }
      return { servers, stream, subject, messages, events: ids.size, subjects };
    },
    async remove() {
      try {
        await (await jetstreamManager(nc)).streams.delete(stream);
      } catch {
        // never created (no event was published)
      }
      await nc.close();
    },
  };
}
