/**
 * Changes a sandbox shop's injected faults every few hundred milliseconds, from a seeded sequence:
 * 503 and 500 fractions, bursts of 429s, latency, and calm moments, so a sync meets every kind of
 * trouble at unpredictable points (reproducible from the seed).
 */
import type { Faults, RunningSandbox } from '@srhooks/sandbox';

/** mulberry32: a small deterministic random source. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latency stays well under the client's timeout: slowness, not lost answers (see the scenario). */
const FAULT_MENU: readonly Faults[] = [
  { errorRate: 0.4, errorStatus: 503 },
  { errorRate: 0.4, errorStatus: 500 },
  { force429: 3 },
  { force429: 6 },
  { latencyMs: 400 },
  { latencyMs: 150, errorRate: 0.3, errorStatus: 500 },
  { latencyMs: 250, force429: 2 },
  {},
];

export class FaultSchedule {
  /** Every faults object applied, in order. */
  readonly applied: Faults[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sandbox: RunningSandbox,
    private readonly shop: string,
    private readonly random: () => number,
    private readonly intervalMs = 600,
  ) {}

  start(): void {
    const step = () => {
      const faults = FAULT_MENU[Math.floor(this.random() * FAULT_MENU.length)] ?? {};
      this.applied.push(faults);
      // the sandbox consumes force429 counts: hand it a copy
      this.sandbox.setFaults(this.shop, { ...faults });
    };
    step();
    this.#timer = setInterval(step, this.intervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.sandbox.setFaults(this.shop, {});
  }
}
