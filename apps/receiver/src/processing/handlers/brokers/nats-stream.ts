/**
 * The JetStream stream side of the `nats` handler: which subjects a stream must capture for the subject
 * template ({@link subjectFilter}, {@link filterCaptures}), and `ensureStream` — the named stream is
 * created when missing (an existing one is left as it is: its subjects say why a publish it does not
 * capture failed), with what to do when JetStream refuses to create it (its subjects taken by another
 * stream, no room left to reserve for it); an existing stream with `no_ack` set is refused
 * ({@link NatsStreamNoAckError}): nothing published to it is ever acknowledged.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { lazyDependency } from '../../../lazy-dependency.js';
import { describeError } from '../../handler-outcome.js';

const natsJetStream = lazyDependency<typeof import('@nats-io/jetstream')>('@nats-io/jetstream');

/** The handler's `ensureStream`: the stream created when missing. */
export interface NatsStreamSpec {
  name: string;
  subjects?: string[];
  duplicateWindowMs?: number;
  storage?: 'file' | 'memory';
}

/**
 * The stream `ensureStream` names exists with `no_ack: true`: JetStream stores what is published to it
 * but never answers a publish with a PubAck, so no attempt could ever be confirmed — each would wait
 * out `timeoutMs` and look like a hung connection (while the stream kept the message). Refused before
 * anything is published: the attempt fails `broker_rejected` with what to change, and is retried.
 */
export class NatsStreamNoAckError extends Error {
  override readonly name = 'NatsStreamNoAckError';
  readonly code = 'nats_stream_no_ack';
  constructor(readonly stream: string) {
    super(
      `the JetStream stream "${stream}" that "ensureStream" names has "no_ack" set: JetStream stores what is published to it but never acknowledges a publish, so srhooks cannot know that a message arrived (each attempt would wait for an acknowledgement that never comes); nothing was published. Set "no_ack" to false on that stream, or name another stream in "ensureStream"; the attempt is retried`,
    );
  }
}

/** `shoprenter.{shop}.{event}` → `shoprenter.*.*`: what a stream must capture for the template. */
export function subjectFilter(template: string): string {
  return template
    .split('.')
    .map((token) => (/\{(shop|event)\}/.test(token) ? '*' : token))
    .join('.');
}

/**
 * Whether the stream subject filter `filter` captures every subject `pattern` stands for (`pattern` is a
 * subject with `*` tokens, as {@link subjectFilter} makes it): `*` captures one token, `>` the rest.
 */
export function filterCaptures(filter: string, pattern: string): boolean {
  const have = filter.split('.');
  const want = pattern.split('.');
  for (const [index, token] of have.entries()) {
    if (token === '>') return want.length > index;
    const wanted = want[index];
    if (wanted === undefined) return false;
    if (token !== '*' && token !== wanted) return false;
  }
  return have.length === want.length;
}

/**
 * Creates the stream when missing; resolves to the subjects of the one that existed already (left as it
 * is), or undefined when it created it. `shorterWindow` is told the duplicate window (ms) of an existing
 * stream that is shorter than `spec.duplicateWindowMs`: that stream keeps it, so a re-publish later than
 * its window is stored twice, while the configuration says otherwise. An existing stream with `no_ack`
 * set throws {@link NatsStreamNoAckError}.
 */
export async function ensureStream(
  nc: NatsConnection,
  spec: NatsStreamSpec,
  template: string,
  timeoutMs: number,
  shorterWindow?: (windowMs: number) => void,
): Promise<string[] | undefined> {
  const jsm = await natsJetStream().jetstreamManager(nc, { timeout: timeoutMs });
  let existing: string[] | undefined;
  try {
    const { config } = await jsm.streams.info(spec.name);
    if (config.no_ack === true) throw new NatsStreamNoAckError(spec.name);
    existing = config.subjects ?? [];
    const windowMs = Math.floor((config.duplicate_window ?? 0) / 1_000_000);
    if (spec.duplicateWindowMs !== undefined && windowMs < spec.duplicateWindowMs) shorterWindow?.(windowMs);
  } catch (error) {
    if (error instanceof NatsStreamNoAckError || !/not found/i.test(describeError(error))) throw error;
  }
  // An existing stream is left as it is: its subjects say why a publish it does not capture failed.
  if (existing !== undefined) return existing;
  const subjects = spec.subjects ?? [subjectFilter(template)];
  try {
    await jsm.streams.add({
      name: spec.name,
      subjects,
      ...(spec.duplicateWindowMs === undefined
        ? {}
        : { duplicate_window: spec.duplicateWindowMs * 1_000_000 }),
      ...(spec.storage === undefined
        ? {}
        : {
            storage:
              spec.storage === 'memory'
                ? natsJetStream().StorageType.Memory
                : natsJetStream().StorageType.File,
          }),
    });
  } catch (error) {
    const noRoom = noRoomToReserve(error, spec.storage ?? 'file');
    if (noRoom !== null) throw new Error(noRoom);
    if (!/subjects overlap/i.test(describeError(error))) throw error;
    // JetStream allows no two streams over the same subjects: name the one that has them already
    for (const subject of subjects) {
      const other = await jsm.streams.find(subject).catch(() => null);
      if (other)
        throw new Error(
          `JetStream refused to create it (${describeError(error)}): the stream "${other}" captures "${subject}" already, and no two streams may capture the same subjects; name "${other}" in "ensureStream" (an existing stream is used as it is), or remove "ensureStream"`,
        );
    }
    throw error;
  }
  return undefined;
}

/**
 * JetStream refused to create a stream because it cannot reserve storage for it: API error 10047
 * "insufficient storage resources available" (file storage) or 10028 "insufficient memory resources
 * available" (memory). nats-server reserves each stream's `max_bytes` (a stream without one, as
 * `ensureStream` creates it, asks for one byte) against the server's `max_file_store` /
 * `max_memory_store` and the account's JetStream limit; when other streams' `max_bytes` already take it
 * all, no new stream fits, however empty the disk. What to change, or null for any other error.
 */
function noRoomToReserve(error: unknown, storage: 'file' | 'memory'): string | null {
  const text = describeError(error);
  if (!/insufficient (storage|memory) resources available/i.test(text)) return null;
  const limit = storage === 'memory' ? 'max_memory_store' : 'max_file_store';
  return `JetStream refused to create it (${text}): the storage it reserves for streams — each stream's "max_bytes" — already takes all of the server's "${limit}" (or the account's JetStream ${storage === 'memory' ? 'memory' : 'storage'} limit), however little is stored: no room is left for a new stream; lower "max_bytes" on streams that reserve more than they use, or delete unused ones, or raise "${limit}" in the server's jetstream block (or the account's limit); the attempt is retried`;
}
