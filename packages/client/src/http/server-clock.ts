/**
 * The shop's clock as its API answers show it. ShopRenter stamps orders with its own clock (shop-local
 * wall times, `dateUpdated`), and a caller that asks "what changed since T" with its own clock misses
 * what changed while the two disagree by more than its margin: a shop 10 minutes behind this machine
 * stamps an order 12:02 that this machine would look for after 12:05. Every API answer's `Date` header
 * (RFC 9110 §6.6.1: an origin server with a clock sends one; ShopRenter's answers are assumed to carry
 * it from the clock that stamps its data) says where that clock stood.
 *
 * {@link ServerClock.behindMs} is this machine's time when the answer arrived minus the header's time:
 * the shop's lag behind this machine, over-estimated by up to a second (the header has whole seconds)
 * plus the answer's travel time, never under-estimated. A caller that moves its "since" back by it
 * misses nothing for the lag; negative when the shop's clock is ahead.
 */
import type { FetchMiddleware } from '../middleware/types.js';

export interface ServerClockReading {
  /** How far the shop's clock was behind this machine's at the answer, in ms (negative: ahead). */
  behindMs: number;
  /** This machine's time (ms since the epoch) when the answer arrived. */
  at: number;
}

export class ServerClock {
  #last: ServerClockReading | null = null;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The last reading (null before the first API answer with a valid `Date` header). */
  last(): ServerClockReading | null {
    return this.#last;
  }

  /** Notes an answer's `Date` header (an HTTP date); an absent or invalid one changes nothing. */
  observe(dateHeader: string | null): void {
    if (dateHeader === null) return;
    const serverMs = Date.parse(dateHeader);
    if (!Number.isFinite(serverMs)) return;
    const at = this.#now();
    this.#last = { behindMs: at - serverMs, at };
  }
}

/** Every answer's `Date` header into `clock` (innermost: each attempt's answer as it arrived). */
export function serverClockMiddleware(clock: ServerClock): FetchMiddleware {
  return (next) => async (request) => {
    const response = await next(request);
    clock.observe(response.headers.get('date'));
    return response;
  };
}
