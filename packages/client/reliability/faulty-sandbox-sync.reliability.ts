/**
 * Client vs a faulty sandbox: keep a shop's subscriptions in sync with a desired list (600, then two
 * changed versions of it) while the
 * sandbox answers a changing mix of 503s, 500s, bursts of 429, latency, and while access tokens expire
 * mid-sync: 2 s tokens, used by the client to their last moment (`tokenRefreshMarginSeconds: 0`) while
 * the shop's `exp` is in whole seconds (a token lives 1–2 s there), so requests in a token's last moments
 * reach the shop after it expired it and must renew on 401. The client's clock is also 3 s behind the
 * shop's (which, since tokens are timed by `expires_in` on the client's clock, causes no 401 itself). An operator's loop: list, plan, apply with prune,
 * until a plan is empty. Then:
 * - the sync converges (a second plan against the final state is empty);
 * - no duplicate subscription was ever created (the shop created exactly as many subscriptions as were
 *   missing, and (event, url) is unique in the final list);
 * - extras and pre-existing duplicates are gone, changed ones updated.
 *
 * Reproduce a run with SRHOOKS_RELIABILITY_SEED=<seed from the figures line>.
 */
import { fieldsForEvent, WEBHOOK_EVENTS, type Webhook } from '@srhooks/contracts';
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applySync,
  createShopRenterClient,
  planSync,
  resolveWebhookSpec,
  type ShopRenterClient,
  type ShopRenterClientOptions,
  type SyncPlan,
  specToWebhookInput,
  type WebhookSpec,
  webhookKey,
} from '../src/index.js';
import { FaultSchedule, seededRandom } from './fault-schedule.js';
import { printFigures } from './figures.js';

const SHOP = 'demo';
const URLS_PER_EVENT = 100;
const MAX_ROUNDS = 25;
const CLOCK_SKEW_MS = 3000;

function scenarioSeed(): number {
  const fromEnv = process.env.SRHOOKS_RELIABILITY_SEED;
  return fromEnv && /^\d+$/.test(fromEnv) ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
}

function subscriptionUrl(event: string, i: number): string {
  return `https://hooks.example.com/hooks/${SHOP}/${event}/reliability-${i}`;
}

function someFields(event: WebhookSpec['event'], random: () => number): string[] {
  return fieldsForEvent(event)
    .map((field) => field.field)
    .filter(() => random() < 0.3)
    .slice(0, 5);
}

/** Phase 1: 600 subscriptions, some with fields or labels. */
function firstList(random: () => number): WebhookSpec[] {
  const desired: WebhookSpec[] = [];
  for (const event of WEBHOOK_EVENTS) {
    for (let i = 0; i < URLS_PER_EVENT; i++) {
      const spec: WebhookSpec = { event, url: subscriptionUrl(event, i) };
      if (random() < 0.3) spec.fields = someFields(event, random);
      if (random() < 0.2) spec.label = `reliability ${event} ${i}`;
      desired.push(spec);
    }
  }
  return desired;
}

/** The next phase: some dropped, some relabelled or with other fields, some new. */
function nextList(previous: readonly WebhookSpec[], random: () => number, phase: number): WebhookSpec[] {
  const kept = previous.filter(() => random() >= 0.1);
  const changed = kept.map((spec) => {
    if (random() < 0.15) return { ...spec, label: `phase ${phase} ${spec.event}` };
    if (random() < 0.1) return { ...spec, fields: someFields(spec.event, random) };
    return spec;
  });
  const added = WEBHOOK_EVENTS.flatMap((event) =>
    Array.from({ length: 8 }, (_, i) => ({ event, url: subscriptionUrl(event, 1000 * phase + i) })),
  );
  return [...changed, ...added];
}

const isEmpty = (plan: SyncPlan) => plan.create.length + plan.update.length + plan.delete.length === 0;

interface PhaseOutcome {
  desired: WebhookSpec[];
  missing: number;
  rounds: number;
  converged: boolean;
  finalList: Webhook[];
  secondPlan: SyncPlan;
}

describe('client sync against a faulty sandbox (429s, 5xx, latency, tokens expiring mid-sync)', () => {
  const seed = scenarioSeed();
  const random = seededRandom(seed);
  let sandbox: RunningSandbox;
  const phases: PhaseOutcome[] = [];
  let initialExtras = 0;
  let initialDuplicates = 0;
  let initialChanged = 0;
  let createdByShop = 0;
  const roundErrors: string[] = [];
  let failedSteps = 0;
  let requests: Record<number, number> = {};
  let seconds = 0;

  const clientFor = (overrides: Partial<ShopRenterClientOptions> = {}): ShopRenterClient =>
    createShopRenterClient({
      shop: SHOP,
      auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
      apiUrl: sandbox.apiUrlTemplate,
      tokenUrl: sandbox.tokenUrlTemplate,
      ...overrides,
    });

  beforeAll(async () => {
    sandbox = await startSandbox({ logger: false, tokenTtlSeconds: 2 });
    const clean = clientFor();

    // The shop before the sync: some desired subscriptions exist, some with an outdated label,
    // a few twice, and some extras nobody wants any more.
    let desired = firstList(random);
    const existing = desired.filter(() => random() < 0.25);
    const changed = existing.filter(() => random() < 0.4);
    const duplicated = existing.filter(() => random() < 0.1);
    const extras: WebhookSpec[] = Array.from({ length: 12 }, (_, i) => ({
      event: WEBHOOK_EVENTS[i % WEBHOOK_EVENTS.length] ?? 'order_confirm',
      url: `https://old.example.com/hooks/${SHOP}/extra-${i}`,
    }));
    const seedSpecs = [
      ...existing.map((spec) => (changed.includes(spec) ? { ...spec, label: 'outdated label' } : spec)),
      ...duplicated,
      ...extras,
    ];
    const seeded = await clean.batch(
      seedSpecs.map((spec) => ({
        method: 'POST' as const,
        uri: 'webHooks',
        data: specToWebhookInput(resolveWebhookSpec(spec)),
      })),
    );
    if (seeded.some((result) => !result.ok)) throw new Error('could not set up the shop');
    initialExtras = extras.length;
    initialDuplicates = duplicated.length;
    initialChanged = changed.length;
    const idsBefore = sandbox.sandbox.shop(SHOP).data.nextWebhookId;
    const before = { ...sandbox.requestCount(SHOP).byStatus };

    // Three phases of changing desired lists, each synced under faults until a plan is empty.
    const client = clientFor({
      now: () => Date.now() - CLOCK_SKEW_MS,
      timeoutMs: 5000,
      tokenRefreshMarginSeconds: 0,
    });
    const started = Date.now();
    for (let phase = 1; phase <= 3; phase++) {
      if (phase > 1) desired = nextList(desired, random, phase);
      const missing = planSync(desired, await clean.webhooks.all()).create.length;
      const faults = new FaultSchedule(sandbox, SHOP, random);
      let rounds = 0;
      let converged = false;
      faults.start();
      try {
        while (rounds < MAX_ROUNDS && !converged) {
          rounds += 1;
          try {
            const plan = planSync(desired, await client.webhooks.all());
            if (isEmpty(plan)) {
              converged = true;
              break;
            }
            const report = await applySync(plan, { client, prune: true, refresh: false });
            failedSteps += report.summary.failed;
          } catch (error) {
            roundErrors.push(`${(error as { code?: string }).code ?? 'error'}`);
          }
        }
      } finally {
        faults.stop();
      }
      // The state after the phase, seen by a fresh client with the faults off.
      const finalList = await clientFor().webhooks.all();
      phases.push({
        desired,
        missing,
        rounds,
        converged,
        finalList,
        secondPlan: planSync(desired, finalList),
      });
    }
    seconds = (Date.now() - started) / 1000;
    createdByShop = sandbox.sandbox.shop(SHOP).data.nextWebhookId - idsBefore;
    const after = sandbox.requestCount(SHOP).byStatus;
    requests = Object.fromEntries(
      Object.entries(after).map(([status, n]) => [Number(status), n - (before[Number(status)] ?? 0)]),
    );
  }, 170_000);

  afterAll(async () => {
    sandbox?.app.server.closeAllConnections();
    await sandbox?.close();
  });

  it('prints its figures', () => {
    const last = phases.at(-1);
    const keys = last?.finalList.map(webhookKey) ?? [];
    const byStatus = (predicate: (status: number) => boolean) =>
      Object.entries(requests)
        .filter(([status]) => predicate(Number(status)))
        .reduce((sum, [, n]) => sum + n, 0);
    printFigures('client-sync', {
      seed,
      phases: phases.length,
      desired: phases.map((phase) => phase.desired.length).join('/'),
      missing: phases.map((phase) => phase.missing).join('/'),
      changed: initialChanged,
      extras: initialExtras,
      preDuplicates: initialDuplicates,
      rounds: phases.map((phase) => phase.rounds).join('/'),
      converged: phases.every((phase) => phase.converged),
      roundErrors: roundErrors.length,
      failedSteps,
      created: createdByShop,
      final: last?.finalList.length ?? 0,
      duplicates: keys.length - new Set(keys).size,
      requests: byStatus(() => true),
      r429: byStatus((s) => s === 429),
      r5xx: byStatus((s) => s >= 500),
      r401: byStatus((s) => s === 401),
      seconds: seconds.toFixed(1),
    });
    expect(phases).toHaveLength(3);
  });

  it('met every fault on the way (429, 5xx, expired tokens)', () => {
    expect(requests[429] ?? 0).toBeGreaterThan(0);
    expect((requests[500] ?? 0) + (requests[503] ?? 0)).toBeGreaterThan(0);
    expect(requests[401] ?? 0).toBeGreaterThan(0);
  });

  it('converges in every phase: a second plan is empty', () => {
    for (const [index, phase] of phases.entries()) {
      expect(
        phase.converged,
        `phase ${index + 1} not converged after ${phase.rounds} rounds (errors: ${roundErrors.join(', ')})`,
      ).toBe(true);
      expect({
        create: phase.secondPlan.create.length,
        update: phase.secondPlan.update.length,
        delete: phase.secondPlan.delete.length,
        unchanged: phase.secondPlan.unchanged.length,
      }).toEqual({ create: 0, update: 0, delete: 0, unchanged: phase.desired.length });
    }
  });

  it('never created a duplicate subscription', () => {
    for (const phase of phases) {
      const keys = phase.finalList.map(webhookKey);
      expect(keys.length - new Set(keys).size).toBe(0);
      expect(phase.finalList).toHaveLength(phase.desired.length);
    }
    // the shop created exactly what was missing at the start of each phase: no create went through twice
    expect(createdByShop).toBe(phases.reduce((sum, phase) => sum + phase.missing, 0));
  });
});
