/**
 * The store as the spool-only receiver sees it while the configured store cannot be opened: every
 * operation fails with StoreUnavailableError — the error every caller already handles for an outage that
 * began while the receiver ran. So the delivery route spools an authentic delivery and answers it as it
 * would during such an outage (hooks-routes.ts, `notStored`), and `/readyz` answers 503 with the reason
 * (health-routes.ts): the routes run unchanged, nothing is written twice.
 */

import type { Store, StoreStats } from '../store/store.js';
import { StoreUnavailableError } from '../store/store-errors.js';

const NO_COMMITS: StoreStats = { commits: 0, items: 0, largestBatch: 0, slowCommits: 0, longestCommitMs: 0 };

/** The members that return something at once (answered as a store without writes would). */
type Answered = 'kind' | 'stats' | 'onChange' | 'close' | 'warmUp';
/** Every other member: an operation on the database (refused). */
type Refused = Exclude<keyof Store, Answered>;

/** Listed, not guessed: a member added to Store fails the type check here until it is listed. */
const REFUSED: Record<Refused, true> = {
  migrate: true,
  ingest: true,
  quarantine: true,
  storeSpooled: true,
  ping: true,
  listDeliveries: true,
  getDelivery: true,
  listEvents: true,
  getEvent: true,
  claimJobs: true,
  completeJob: true,
  failJob: true,
  releaseJob: true,
  extendLease: true,
  extendLeases: true,
  markStarted: true,
  listDeadLetters: true,
  countDeadLetters: true,
  replayEvent: true,
  replayDeadLetters: true,
  reprocessQuarantined: true,
  recordDecodeFailure: true,
  setEventVerification: true,
  disableHandler: true,
  enableHandler: true,
  listHandlerStates: true,
  countJobs: true,
  handlerBacklog: true,
  shopBacklog: true,
  revokeAdminSession: true,
  isAdminSessionRevoked: true,
  prune: true,
  getRecoveryState: true,
  listRecoveryStates: true,
  recordRecoveryPass: true,
  knownDedupeKeys: true,
  knownSubjects: true,
  lastDeliveryAt: true,
  releaseMemory: true,
  withReconcileLock: true,
  withRecoveryLock: true,
};

/**
 * `detail` says why, at the time of each call (StoreUnavailableError's detail: readiness quotes it),
 * e.g. "not opened since the receiver started: PostgreSQL cannot be reached (ECONNREFUSED) …".
 */
export function storeNotOpened(kind: Store['kind'], detail: () => string): Store {
  const refuse = () => Promise.reject(new StoreUnavailableError(detail()));
  const refused = Object.fromEntries(Object.keys(REFUSED).map((name) => [name, refuse])) as unknown as Pick<
    Store,
    Refused
  >;
  return {
    ...refused,
    kind,
    stats: () => ({ ...NO_COMMITS }),
    onChange: () => () => {},
    close: async () => {},
  };
}
