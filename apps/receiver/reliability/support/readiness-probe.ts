/** Polls `GET /readyz` in the background and keeps every answer with its time, to show when it went red and green. */
export interface ReadinessSample {
  at: number;
  /** HTTP status, or 0 when the request failed or timed out. */
  status: number;
}

export class ReadinessProbe {
  readonly samples: ReadinessSample[] = [];
  #running = true;
  readonly #loop: Promise<void>;

  constructor(baseUrl: string, intervalMs = 250) {
    this.#loop = (async () => {
      while (this.#running) {
        let status = 0;
        try {
          status = (await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(3000) })).status;
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
