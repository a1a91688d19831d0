import type { Principal } from '../auth/authenticate.js';
import type { SandboxState, ShopRuntime } from '../state/sandbox-state.js';

/** What every resource handler gets: the sandbox, the shop, the caller and the API base URL for links. */
export interface ApiContext {
  state: SandboxState;
  shop: ShopRuntime;
  principal: Principal;
  /** `http://host:port/{shop}/api`, the base of every `href` in answers. */
  apiBase: string;
}

/** One API call, from HTTP or from inside a batch. */
export interface ApiCall {
  method: string;
  /** Path below the API base, e.g. `/webHooks/d2ViSG9v…`. */
  path: string;
  query: Record<string, unknown>;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
}

export interface ApiResult {
  status: number;
  /** Omitted for 204 and `?emptyBody=1`. */
  body?: unknown;
}
