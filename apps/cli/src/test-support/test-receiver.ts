import { join } from 'node:path';
import { type DeliveryTarget, signDeliveryUrl } from '@srhooks/contracts';
import {
  type BuildReceiverOptions,
  buildReceiver,
  type ReceiverConfigInput,
  ReceiverConfigSchema,
} from '@srhooks/receiver';

export type Receiver = Awaited<ReturnType<typeof buildReceiver>>;

/**
 * What a test sets; the receiver listens on 127.0.0.1 (port 0 unless given), logs nothing. The admin
 * commands' tests set `adminToken`; a receiver only for deliveries (`trigger`) runs without one.
 */
export type TestReceiverConfig = Omit<ReceiverConfigInput, 'host' | 'db' | 'logLevel'>;

export interface TestReceiver {
  /** The receiver itself: its store, and `close()`. */
  receiver: Receiver;
  /** Where it listens (`--receiver`). */
  url: string;
  /** A delivery URL signed with the receiver's first secret. */
  deliveryUrl(target: DeliveryTarget): string;
}

/** The signing secret of the forward handlers in these tests. */
export const FORWARD_SECRET = 'whsec_MDEyMzQ1Njc4OWFiY2RlZg==';

/** A forward handler posting to `url` (a capture server on 127.0.0.1, so private targets are allowed). */
export function forwardTo(url: string) {
  return { type: 'forward', url, secret: FORWARD_SECRET, allowPrivateTargets: true } as const;
}

/**
 * A real receiver for the admin commands (or `trigger`) to talk to: in-process, HTTP on 127.0.0.1, its SQLite file
 * next to the test's config dir (so the config dir's cleanup removes it), default metrics off.
 */
export async function startTestReceiver(
  configDir: string,
  config: TestReceiverConfig,
  options: BuildReceiverOptions = {},
): Promise<TestReceiver> {
  const parsed = ReceiverConfigSchema.parse({
    port: 0,
    // Roomy: on a loaded machine (CI runs suites side by side on 2 cores) a store write can wait past
    // the 5 s default, and a delivery would be answered 503. No CLI test is about the store timeout.
    storeTimeoutMs: 20_000,
    ...config,
    host: '127.0.0.1',
    db: join(configDir, '..', 'receiver.db'),
    logLevel: 'silent',
  });
  const receiver = await buildReceiver(parsed, { defaultMetrics: false, ...options });
  const url = await receiver.listen({ port: parsed.port, host: '127.0.0.1' });
  return {
    receiver,
    url,
    deliveryUrl: (target) => signDeliveryUrl(url, target, parsed.secrets[0] ?? ''),
  };
}

export { freePort } from '@srhooks/sandbox';
