/** Polls `GET /readyz` in the background and keeps every answer with its time, to show when it went red and green. */
export interface ReadinessSample {
  at: number;
  /** HTTP status, or 0 when the request failed or timed out. */
  status: number;
}

/**
 * A probe with no answer by then counts as failed (0): a hang, not a slow machine. 10 s: at 3 s, one probe
 * before an outage went unanswered in a clean-clone run at load 25 (the scenario's own 3,000 deliveries
 * and every other suite beside it), with /readyz green before and after.
 */
const PROBE_TIMEOUT_MS = 10_000;

export class ReadinessProbe {
  readonly samples: ReadinessSample[] = [];
  #running = true;
  readonly #loop: Promise<void>;

  constructor(baseUrl: string, intervalMs = 250) {
    this.#loop = (async () => {
      while (this.#running) {
        let status = 0;
        try {
          status = (await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }))
            .status;
        } catch {
          status = 0;
        }
        this.samples.push({ at: Date.now(), status });
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /** Samples taken in [from, to]. */
  between(from: number, to: number): ReadinessSample[] {
    return this.samples.filter((sample) => sample.at >= from && sample.at <= to);
  }
}
