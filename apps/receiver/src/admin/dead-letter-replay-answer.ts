/**
 * What `POST /admin/api/dead-letters/replay` answers (admin-api-routes.ts), as a type the CLI's
 * `dead-letters retry` reads it by (`@srhooks/receiver`'s exports): one shape for both.
 */
import type { HandlerDisabledBy, JobRecord } from '../store/store.js';

/** A disabled handler whose replayed jobs wait until it is enabled, and who disabled it. */
export interface DisabledHandlerNote {
  handler: string;
  /** `target` (its forward target answered 410 Gone) or `operator` (`POST /handlers/:name/disable`). */
  disabledBy: HandlerDisabledBy | null;
}

export interface DeadLetterReplayAnswer {
  ok: true;
  replayed: number;
  jobs: JobRecord[];
  /** Dead letters left as they are, per handler no longer configured (nothing would run them). */
  notReplayed: Array<{ handler: string; deadLetters: number }>;
  /** App mode: dead letters left because their shop uninstalled the app. */
  uninstalledShops: number;
  /** With a `handler`: who disabled it while it is disabled, else null; null without a `handler`. */
  handlerDisabledBy: HandlerDisabledBy | null;
  /** Without a `handler`: the disabled handlers whose dead letters were replayed; empty with one. */
  disabledHandlers: DisabledHandlerNote[];
}
