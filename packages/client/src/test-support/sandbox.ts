import {
  DEMO_CLIENT,
  processSigningKeyPem,
  type RunningSandbox,
  type SandboxOptions,
  startSandbox,
} from '@srhooks/sandbox';
import { createShopRenterClient, type ShopRenterClient, type ShopRenterClientOptions } from '../client.js';
import type { Fetch } from '../middleware/types.js';

export { DEMO_CLIENT };

/** A real fetch that counts what goes on the wire (per path kind); nothing is faked. */
export function countingFetch(): { fetch: Fetch; tokenRequests: () => number; apiRequests: () => number } {
  let token = 0;
  let api = 0;
  return {
    fetch: (request) => {
      if (new URL(request.url).pathname.endsWith('/app/token')) token++;
      else api++;
      return globalThis.fetch(request);
    },
    tokenRequests: () => token,
    apiRequests: () => api,
  };
}

export interface TestSandbox {
  sandbox: RunningSandbox;
  client(overrides?: Partial<ShopRenterClientOptions>): ShopRenterClient;
  close(): Promise<void>;
}

/** A sandbox on port 0 (no logs) and a client factory pointed at it. */
export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({ logger: false, signingKeyPem: processSigningKeyPem(), ...options });
  return {
    sandbox,
    client: (overrides = {}) =>
      createShopRenterClient({
        shop: 'demo',
        auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
        apiUrl: sandbox.apiUrlTemplate,
        tokenUrl: sandbox.tokenUrlTemplate,
        ...overrides,
      }),
    close: () => {
      // Requests our timeout test aborted leave keep-alive sockets the server would wait on for
      // seconds; tests do not need a graceful close.
      sandbox.app.server.closeAllConnections();
      return sandbox.close();
    },
  };
}

/** https URL of a made-up receiver, unique per n. */
export function receiverUrl(n: number | string, event = 'order_confirm'): string {
  return `https://hooks.example.com/hooks/demo/${event}/receiver-${n}`;
}
