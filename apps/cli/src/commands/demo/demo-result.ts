import type { ShopSyncResult } from '../webhooks/sync.js';
import type { ArrivedEvent } from './arrived-event.js';
import type { DemoNatsResult } from './demo-nats.js';
import type { DemoRecovery } from './demo-recovery.js';

/** What `srhooks demo` reports (`--json` prints exactly this). */
export interface DemoResult {
  /** `--once`: the demo stopped after the table. */
  once: boolean;
  shop: string;
  sandbox: { url: string };
  receiver: {
    url: string;
    /** The inspector UI: `http://127.0.0.1:PORT/ui`. */
    inspector: string;
    /** Random per run; log in to the inspector with it (or `Authorization: Bearer`). */
    adminToken: string;
    /** The demo's files (SQLite database, handler output), removed when the demo stops. */
    dir: string;
    db: string;
    handlers: string[];
  };
  login: { clientId: string; scopes: string[]; missingScopes: string[] };
  /** The subscription plan as `webhooks sync` reports it (delivery URLs masked). */
  sync: ShopSyncResult;
  /** What the demo did in the sandbox shop, in order. */
  activity: { event: string; subject: string; description: string }[];
  arrived: ArrivedEvent[];
  /** Every event's handler jobs succeeded. */
  allHandled: boolean;
  /** The review-request example handler's work, or null when it is not installed. */
  reviewRequests: { outbox: string; written: number } | null;
  eventsLog: string;
  /** `--nats`: what the nats handler published, as a consumer read it back; null without `--nats`. */
  nats: DemoNatsResult | null;
  /** The order placed while the receiver was down, recovered from the shop's API at its restart. */
  recovery: DemoRecovery;
  timings: { readyMs: number; deliveredMs: number };
  /** The signal that stopped a demo running until Ctrl-C; null with `--once`. */
  stopped: NodeJS.Signals | null;
}
