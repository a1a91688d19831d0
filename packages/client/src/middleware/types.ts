/** The fetch shape every layer of the client's HTTP pipeline speaks. */
export type Fetch = (request: Request) => Promise<Response>;

/** A cross-cutting layer: wraps the next fetch in the pipeline. */
export type FetchMiddleware = (next: Fetch) => Fetch;

/** Structured logger (pino-compatible subset). Never given secrets, tokens or personal data. */
export interface ClientLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: ClientLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Builds `outer(middle(inner(fetch)))` from `[outer, middle, inner]`. */
export function composeFetch(base: Fetch, layers: FetchMiddleware[]): Fetch {
  return layers.reduceRight<Fetch>((next, layer) => layer(next), base);
}
