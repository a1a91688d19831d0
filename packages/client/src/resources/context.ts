import type { paths } from '@srhooks/contracts';
import type { Client } from 'openapi-fetch';

/** What every resource module needs: the typed openapi-fetch client and the API base URL. */
export interface ResourceContext {
  api: Client<paths>;
  /** e.g. `https://demo.api2.myshoprenter.hu/api` (no trailing slash). */
  apiBase: string;
}
