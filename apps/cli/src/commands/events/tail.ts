import { type AdminApi, type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { maskedNote } from '../../admin-api/personal-data.js';
import { resolveReceiverTarget } from '../../admin-api/receiver-target.js';
import { productName } from '../../cli-invocation.js';
import { defineCommand } from '../../command.js';
import { adminFeed, type FeedHistory } from '../../live/admin-feed.js';
import { followReceiver } from '../../live/follow-receiver.js';

export interface TailEventsOptions extends AdminTargetOptions {
  /** Only this shop's deliveries and outcomes. */
  shop?: string;
  /** Only this event's (checked by the wiring, like `events list --event`). */
  event?: string;
  /** Decode errors' quoted values and handler error texts unmasked (personal data). */
  reveal?: boolean;
  /** First print what was stored or handled since then (parsed by the wiring: a duration back, or a time). */
  since?: FeedHistory;
}

export interface TailEventsResult {
  receiver: string;
  stopped: NodeJS.Signals;
  /** Deliveries printed, those caught up after a reconnect included. */
  deliveries: number;
}

/** What `--reveal` adds to the lines (listen's). */
const REVEALED_TEXTS = "decode errors' quoted values and handler error texts";

/**
 * The admin API of the receiver tail follows, and, when that receiver was found rather than named (no
 * `--receiver`, no `SRHOOKS_RECEIVER_URL`: the `srhooks listen` of this config directory, listen.json),
 * a way to find it again: a listen restarted on another port is followed there. `api` always talks to
 * the current one.
 */
function followedReceiver(
  first: AdminApi,
  options: TailEventsOptions,
  env: Record<string, string | undefined>,
  output: { info(message: string): void },
): { api: AdminApi; rediscover?: () => Promise<boolean> } {
  let current = first;
  const api: AdminApi = {
    get receiverUrl() {
      return current.receiverUrl;
    },
    get: (path, query) => current.get(path, query),
    post: (path, body, query) => current.post(path, body, query),
    openStream: (path, signal) => current.openStream(path, signal),
  };
  const named = options.receiver !== undefined || Boolean(env.SRHOOKS_RECEIVER_URL?.trim());
  if (named) return { api };
  const rediscover = async (): Promise<boolean> => {
    // only another running listen of this config directory: not the default address, nor a listen
    // that has ended (listen.json not updated yet), which would only be refused or not answer
    const target = await resolveReceiverTarget(undefined, env).catch(() => null);
    if (target?.source !== 'listen' || target.url === current.receiverUrl) return false;
    const next = await openAdminApi(options, env).catch(() => null);
    if (next === null || next.receiverUrl === current.receiverUrl) return false;
    const was = current.receiverUrl;
    current = next;
    output.info(
      `${productName('listen')} now runs at ${next.receiverUrl} (process ${target.listen?.pid}, listen.json): following it there instead of ${was}`,
    );
    return true;
  };
  return { api, rediscover };
}

/**
 * `srhooks events tail`: a running receiver's deliveries and handler outcomes as they are stored, in
 * listen's lines, through its live stream and admin API; reconnects and catches up when the stream
 * drops. Stops at Ctrl-C or SIGTERM (a closed stdout too), saying how many deliveries it showed.
 */
export const tailEventsCommand = defineCommand<TailEventsOptions, TailEventsResult>({
  streaming: true,
  async run(options, context) {
    const { output } = context;
    const interrupted = context.untilInterrupted();
    const { api, rediscover } = followedReceiver(
      await openAdminApi(options, context.env),
      options,
      context.env,
      output,
    );
    const feed = adminFeed(api, output, {
      ...(options.shop === undefined ? {} : { shop: options.shop }),
      ...(options.event === undefined ? {} : { event: options.event }),
      reveal: options.reveal === true,
    });
    // the token, the URL and the filters, checked by the admin API before anything is followed
    const historyFrom = await feed.start(options.since);
    const stop = new AbortController();
    let stopped: NodeJS.Signals | undefined;
    void interrupted.then((signal) => {
      stopped = signal;
      stop.abort();
    });
    output.info(
      output.errStyle.dim(
        options.reveal === true ? 'personal data shown unmasked (--reveal)' : maskedNote(REVEALED_TEXTS),
      ),
    );
    try {
      await followReceiver({
        api,
        feed,
        output,
        signal: stop.signal,
        ...(rediscover ? { rediscover } : {}),
        onOpen: (reconnected) => {
          if (reconnected) return;
          if (historyFrom !== null)
            output.info(
              `what the receiver stored or handled since ${historyFrom} (receiver time) first, then live`,
            );
          output.info(`following the receiver at ${api.receiverUrl}: waiting for deliveries… (Ctrl-C stops)`);
        },
      });
    } finally {
      stop.abort();
      await feed.settled();
    }
    const signal = stopped ?? 'SIGINT';
    const count = feed.deliveries;
    output.info(`stopped (${signal}): ${count} ${count === 1 ? 'delivery' : 'deliveries'} shown`);
    return { receiver: api.receiverUrl, stopped: signal, deliveries: count };
  },
});
