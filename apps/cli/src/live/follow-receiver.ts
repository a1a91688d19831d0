/**
 * Follows a receiver's live stream (`GET /ui/events/stream`, the inspector's, opened with the admin
 * token) until `signal` aborts: each change goes to the feed, and every time the stream opens the feed
 * catches up on the deliveries received and the handler outcomes reached while it was not (the first
 * time: since the feed started).
 * A stream that ends or drops (the receiver restarts, the network fails, nothing arrives for 45 s) is
 * said on stderr and opened again after 1 s, 2 s, 4 s … at most 30 s between attempts. What the admin
 * API refuses for good (the token, a URL that is no receiver) ends it with the admin API client's
 * error; only no answer, a proxy's 502/503/504 and a receiver's 5xx are waited out.
 */
import { failureReason, systemCode } from '@srhooks/client/network-failure';
import { AdminAnswerError, type AdminApi } from '../admin-api/admin-api-client.js';
import { CliError, remoteError } from '../cli-error.js';
import type { Output } from '../output/index.js';
import type { AdminFeed } from './admin-feed.js';
import { clock } from './feed-lines.js';
import type { StoreChange } from './receiver-types.js';
import { readServerSentEvents, type StreamEnd } from './server-sent-events.js';

export const LIVE_STREAM_PATH = '/ui/events/stream';
/** The receiver sends a heartbeat every 15 s: three missed is a dead connection. */
const IDLE_MS = 45_000;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

/** The wait before attempt `failures` + 1 after `failures` failed ones in a row: 1 s doubling, at most 30 s. */
export function reconnectDelayMs(failures: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, failures - 1));
}

export interface FollowOptions {
  api: AdminApi;
  feed: AdminFeed;
  output: Output;
  signal: AbortSignal;
  /** Called each time the stream opens (`reconnected`: after a loss). */
  onOpen?: (reconnected: boolean) => void;
  /**
   * Called when the receiver cannot be reached (a failed attempt to open the stream after it was lost,
   * or before it ever opened): whether `api` now talks to another receiver, found again as at the start
   * (`events tail` without --receiver: the `srhooks listen` of this config directory, restarted on
   * another port). True: the next attempt is made at once, at the new address.
   */
  rediscover?: () => Promise<boolean>;
}

/** A failure worth waiting out: no answer (in time), a proxy's 502/503/504, a receiver's 5xx. */
function passing(error: unknown): boolean {
  if (error instanceof AdminAnswerError) return error.status >= 500;
  return (
    error instanceof CliError &&
    (error.code === 'network_error' || error.code === 'receiver_unavailable' || error.code === 'timeout')
  );
}

/** Why an attempt failed, in a few words (the admin API client's message names the receiver already). */
function reasonOf(error: unknown): string {
  if (error instanceof CliError && error.code === 'network_error') return failureReason(error.cause ?? error);
  return (error as Error).message;
}

function endReason(end: Exclude<StreamEnd, { kind: 'aborted' }>): string {
  switch (end.kind) {
    case 'ended':
      return 'the receiver ended the stream: it stopped or is restarting';
    case 'idle':
      return `nothing arrived for ${end.ms / 1000} s, not even a heartbeat`;
    case 'failed': {
      const code = systemCode(end.error);
      return `the connection dropped${code ? ` (${code})` : ''}`;
    }
  }
}

/** A stream message's change: ids and statuses of a delivery, job or event; anything else is skipped. */
function parseChange(data: string): StoreChange | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const change = value as Record<string, unknown>;
  const strings = (...keys: string[]) => keys.every((key) => typeof change[key] === 'string');
  if (change.kind === 'delivery' && strings('deliveryId', 'shop', 'event', 'status'))
    return value as StoreChange;
  if (change.kind === 'job' && strings('jobId', 'eventId', 'handler', 'status')) return value as StoreChange;
  return null;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function followReceiver(options: FollowOptions): Promise<void> {
  const { api, feed, output, signal } = options;
  // read at each use: `rediscover` may point `api` at another address
  const receiverName = (): string => `the receiver at ${api.receiverUrl}`;
  let failures = 0;
  let lost = false;

  /** The open stream, or why it could not be opened this time (thrown: for good). */
  const open = async (): Promise<Response | string | null> => {
    let response: Response;
    try {
      response = await api.openStream(LIVE_STREAM_PATH, signal);
    } catch (error) {
      if (signal.aborted) return null;
      if (passing(error)) return reasonOf(error);
      throw error;
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.ok && type.startsWith('text/event-stream') && response.body) return response;
    await response.body?.cancel().catch(() => {});
    // the stream's refusal is the inspector's (text): the admin API says what it is in its own words
    try {
      await api.get('/deliveries', { limit: 1 });
    } catch (error) {
      if (signal.aborted) return null;
      if (passing(error)) return reasonOf(error);
      throw error;
    }
    if (response.status >= 500) return `it answered its live stream with HTTP ${response.status}`;
    throw remoteError(
      `${receiverName()} has no live stream (GET ${LIVE_STREAM_PATH} answered HTTP ${response.status}${type ? ` ${type.split(';')[0]}` : ''})`,
      'the receiver may be older than this srhooks: update it, or read what it stored with srhooks deliveries list and srhooks events list',
      'no_live_stream',
    );
  };

  while (!signal.aborted) {
    let stream: Response | string | null;
    try {
      stream = await open();
    } catch (error) {
      // A receiver found (not named) and followed before: its address may now be another receiver's (the
      // listen stopped, something else took the port), which refuses tail's token. Not the end: the listen
      // of this config directory may be starting, and listen.json will say where (rediscover, below);
      // until then tail waits, saying why.
      if (!lost || options.rediscover === undefined || signal.aborted) throw error;
      stream = reasonOf(error);
    }
    if (stream === null) return;
    if (typeof stream === 'string') {
      if (options.rediscover && (await options.rediscover())) {
        if (signal.aborted) return;
        failures = 0;
        continue;
      }
      failures += 1;
      const delay = reconnectDelayMs(failures);
      output.info(`cannot follow ${receiverName()} yet (${stream}); trying again in ${delay / 1000} s`);
      await sleep(delay, signal);
      continue;
    }
    failures = 0;
    if (lost) {
      const mark = feed.since;
      output.info(
        `reconnected to ${receiverName()}; catching up on what changed since ${mark ? clock(new Date(mark.receivedAt)) : 'tail started'}`,
      );
      feed.catchUp(({ deliveries, outcomes }) =>
        output.info(
          `caught up: ${deliveries} ${deliveries === 1 ? 'delivery' : 'deliveries'} received and ${outcomes} handler ${outcomes === 1 ? 'outcome' : 'outcomes'} reached meanwhile`,
        ),
      );
    } else {
      feed.catchUp();
    }
    options.onOpen?.(lost);
    const end = await readServerSentEvents(
      stream.body as ReadableStream<Uint8Array>,
      (message) => {
        if (message.event !== 'change') return;
        const change = parseChange(message.data);
        if (change) feed.change(change);
      },
      { idleMs: IDLE_MS, signal },
    );
    if (end.kind === 'aborted') return;
    lost = true;
    failures += 1;
    const delay = reconnectDelayMs(failures);
    output.warn(
      `lost the live stream of ${receiverName()} (${endReason(end)}); reconnecting in ${delay / 1000} s`,
    );
    await sleep(delay, signal);
  }
}
