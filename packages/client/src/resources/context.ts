import type { paths } from '@srhooks/contracts';
import type { Client } from 'openapi-fetch';

/** Per-call options of the reading methods that take them. */
export interface CallOptions {
  /**
   * Aborts the call (and the rest of a multi-page read): the request in flight, a wait for the rate
   * limit or for a retry. The call then rejects with the signal's reason (not a ShopRenterError).
   */
  signal?: AbortSignal;
}

/** What every resource module needs: the typed openapi-fetch client and the API base URL. */
export interface ResourceContext {
  api: Client<paths>;
  /** e.g. `https://demo.api2.myshoprenter.hu/api` (no trailing slash). */
  apiBase: string;
  /** The client's shop (an href of another shop is refused). */
  shop?: string;
}
