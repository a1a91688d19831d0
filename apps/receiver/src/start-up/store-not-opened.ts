/**
 * The store as the spool-only receiver sees it while the configured store cannot be opened: every
 * operation fails with StoreUnavailableError — the error every caller already handles for an outage that
 * began while the receiver ran. So the delivery route spools an authentic delivery and answers it as it
 * would during such an outage (hooks-routes.ts, `notStored`), and `/readyz` answers 503 with the reason
 * (health-routes.ts): the routes run unchanged, nothing is written twice.
 */

import type { AppShopStore } from '../store/app-shops/app-shop-store.js';
import type { Store, StoreStats } from '../store/store.js';
import { StoreUnavailableError } from '../store/store-errors.js';

const NO_COMMITS: StoreStats = { commits: 0, items: 0, largestBatch: 0, slowCommits: 0, longestCommitMs: 0 };

/**
 * The members that return something at once (answered as a store without writes would); the optional
 * shutdown members are left out (the refused calls fail at once: nothing to bound), and so is the search
 * text rebuild's (nothing was migrated, so nothing is rebuilt).
 */
type Answered =
  | 'kind'
  | 'stats'
  | 'onChange'
  | 'onChangeGap'
  | 'close'
  | 'warmUp'
  | 'searchTextsRebuilt'
  | 'beginShutdown'
  | 'forBackgroundWork'
  | 'forRequests'
  | 'shutdownBoundViewOf';
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
  erasePersonalData: true,
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
  const refused = refusing<Pick<Store, Refused>>(REFUSED, detail);
  return {
    ...refused,
    kind,
    stats: () => ({ ...NO_COMMITS }),
    onChange: () => () => {},
    onChangeGap: () => () => {},
    close: async () => {},
  };
}

/** App mode's shop records (installs, payment claims), on the same database: every call refused too. */
const APP_SHOPS_REFUSED: Record<Exclude<keyof AppShopStore, 'close'>, true> = {
  useRequestCode: true,
  recordInstall: true,
  markInstalled: true,
  markStepFailed: true,
  markUninstalled: true,
  paymentClaimState: true,
  withInstallLock: true,
  get: true,
  list: true,
  dueSteps: true,
};

/** App mode's shop records while the store cannot be opened (the payment route files with them). */
export function appShopsNotOpened(detail: () => string): AppShopStore {
  return { ...refusing<Omit<AppShopStore, 'close'>>(APP_SHOPS_REFUSED, detail), close: async () => {} };
}

/** What the public readiness probes say of a store not opened (`detail` names the server it tried). */
const NOT_OPENED_PUBLIC = 'not opened since the receiver started; it is tried again until it opens';

/** An object whose listed methods each reject with StoreUnavailableError(detail()). */
function refusing<T>(names: Record<string, true>, detail: () => string): T {
  const refuse = () =>
    Promise.reject(new StoreUnavailableError(detail(), { publicDetail: NOT_OPENED_PUBLIC }));
  return Object.fromEntries(Object.keys(names).map((name) => [name, refuse])) as T;
}
