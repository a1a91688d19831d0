import { type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { maskedNote } from '../../admin-api/personal-data.js';
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
 * `srhooks events tail`: a running receiver's deliveries and handler outcomes as they are stored, in
 * listen's lines, through its live stream and admin API; reconnects and catches up when the stream
 * drops. Stops at Ctrl-C or SIGTERM (a closed stdout too), saying how many deliveries it showed.
 */
export const tailEventsCommand = defineCommand<TailEventsOptions, TailEventsResult>({
  streaming: true,
  async run(options, context) {
    const { output } = context;
    const interrupted = context.untilInterrupted();
    const api = await openAdminApi(options, context.env);
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
