/**
 * Hostile input: 10,000 generated malformed and hostile requests (seeded, see
 * support/hostile-requests.ts) at authentic and forged URLs of the receiver running as a child
 * process. Correct means: the process never dies, no answer is a 5xx, every request gets an answer;
 * authentic ones are quarantined with a reason (400; 413 over the body limit; 431 for huge headers);
 * forged ones get the same generic 404 and leave nothing in the store. A genuine delivery afterwards
 * is still accepted.
 *
 * Reproduce a run with SRHOOKS_RELIABILITY_SEED=<seed from the figures line>.
 */
import { signDeliveryPath } from '@srhooks/contracts';
import { freePort } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printFigures } from './support/figures.js';
import {
  BODY_KINDS,
  type BodyKind,
  HOSTILE_SHOP,
  HostileRequestGenerator,
  type UrlKind,
} from './support/hostile-requests.js';
import { formatOutcomes } from './support/load-generator.js';
import { rawRequest } from './support/raw-request.js';
import { ReceiverProcess } from './support/receiver-process.js';
import { type ScenarioDir, scenarioDir } from './support/scenario-dir.js';
import { RELIABILITY_SECRET } from './support/secrets.js';
import { scenarioSeed, seededRandom } from './support/seeded-random.js';
import { readSqliteStore, type StoredFigures } from './support/store-inspection.js';

const REQUESTS = Number(process.env.SRHOOKS_RELIABILITY_HOSTILE_COUNT ?? 10_000);
const CONCURRENCY = 16;

interface Result {
  no: number;
  kind: BodyKind;
  url: UrlKind;
  expected: readonly number[];
  protocolLevel: boolean;
  mayBeCutOff: boolean;
  status: number | null;
  error: string | null;
  /** `error.code` of a JSON error body. */
  code: string | null;
  deliveryId: string | null;
  body: string;
}

function errorFields(body: string): { code: string | null; deliveryId: string | null } {
  try {
    const parsed = JSON.parse(body) as {
      error?: { code?: unknown } | string;
      code?: unknown;
      deliveryId?: unknown;
    };
    const code =
      typeof parsed.error === 'object' && parsed.error !== null && typeof parsed.error.code === 'string'
        ? parsed.error.code
        : typeof parsed.code === 'string'
          ? parsed.code
          : typeof parsed.error === 'string'
            ? parsed.error
            : null;
    return { code, deliveryId: typeof parsed.deliveryId === 'string' ? parsed.deliveryId : null };
  } catch {
    return { code: null, deliveryId: null };
  }
}

describe('hostile input: 10,000 malformed and hostile requests', () => {
  const seed = scenarioSeed();
  let dir: ScenarioDir;
  let receiver: ReceiverProcess;
  let dbFile: string;
  const results: Result[] = [];
  let firstPid: number | null = null;
  let aliveAfter = false;
  let healthz = 0;
  let readyz = 0;
  let genuineStatus = 0;
  let stored: StoredFigures;
  let seconds = 0;
  let failed = false;

  beforeAll(async () => {
    dir = scenarioDir('hostile');
    dbFile = dir.file('srhooks.db');
    receiver = await ReceiverProcess.start({
      dir: dir.path,
      port: await freePort(),
      // The 10 MB bodies stay over the hard limit (413); deliveries between the body limit and the
      // hard limit are quarantined as too_large: oversize-quarantine.reliability.ts.
      env: {
        SRHOOKS_SECRETS: RELIABILITY_SECRET,
        SRHOOKS_DB: dbFile,
        SRHOOKS_BODY_HARD_LIMIT: '4mb',
        LOG_LEVEL: 'warn',
      },
    });
    firstPid = receiver.pid;
    const port = Number(new URL(receiver.baseUrl).port);
    const generator = new HostileRequestGenerator(seededRandom(seed), RELIABILITY_SECRET);
    // Every body kind at least once at an authentic and once at a forged URL, then random ones.
    const forced = BODY_KINDS.flatMap((kind) => [
      { kind, authentic: true },
      { kind, authentic: false },
    ]);
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      for (;;) {
        const no = next++;
        if (no >= REQUESTS) return;
        const request = generator.next(no, forced[no] ?? {});
        const answer = await rawRequest(port, request.head, request.body);
        results.push({
          no,
          kind: request.kind,
          url: request.url,
          expected: request.expected,
          protocolLevel: request.protocolLevel,
          mayBeCutOff: request.mayBeCutOff,
          status: answer.status,
          error: answer.error,
          ...errorFields(answer.body),
          body: answer.body.slice(0, 300),
        });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    seconds = (Date.now() - started) / 1000;

    aliveAfter = receiver.alive;
    healthz = (await fetch(`${receiver.baseUrl}/healthz`)).status;
    readyz = (await fetch(`${receiver.baseUrl}/readyz`)).status;
    const genuine = generator.genuine();
    genuineStatus = (
      await fetch(
        `${receiver.baseUrl}${signDeliveryPath({ shop: HOSTILE_SHOP, event: 'order_confirm' }, RELIABILITY_SECRET)}`,
        {
          method: 'POST',
          headers: { 'content-type': genuine.contentType },
          body: new Uint8Array(genuine.body),
        },
      )
    ).status;
    await receiver.stop();
    stored = readSqliteStore(dbFile, HOSTILE_SHOP);
  }, 300_000);

  afterAll(async () => {
    await receiver?.stop();
    dir?.remove(failed);
  });

  const answered = (status: number) => results.filter((result) => result.status === status);
  /** Refused early and the answer lost to a connection reset (see HostileRequest.mayBeCutOff). */
  const cutOff = (result: Result) =>
    result.status === null &&
    result.mayBeCutOff &&
    (result.error === 'ECONNRESET' || result.error === 'EPIPE');
  /** Authentic deliveries answered 400 by the receiver (not by the HTTP parser): each must be quarantined. */
  const quarantinable = () =>
    results.filter((result) => result.url === 'authentic' && !result.protocolLevel && result.status === 400);

  it('prints its figures', () => {
    const statuses: Record<string, number> = {};
    for (const result of results) {
      const key = result.status === null ? `none:${result.error}` : String(result.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    printFigures('hostile', {
      seed,
      sent: results.length,
      authentic: results.filter((result) => result.url === 'authentic').length,
      forged: results.filter((result) => result.url !== 'authentic').length,
      answers: formatOutcomes(statuses),
      quarantined: stored.deliveries.quarantined ?? 0,
      reasons: formatOutcomes(stored.quarantineReasons),
      fivexx: results.filter((result) => (result.status ?? 0) >= 500).length,
      noAnswer: results.filter((result) => result.status === null && !cutOff(result)).length,
      cutOff: results.filter(cutOff).length,
      unexpected: results.filter(
        (result) => result.status === null || !result.expected.includes(result.status),
      ).length,
      crashes: aliveAfter && receiver.pids.length === 1 ? 0 : 1,
      seconds: seconds.toFixed(1),
    });
    expect(results).toHaveLength(REQUESTS);
  });

  it('stays up: same process, /healthz and /readyz green, a genuine delivery still accepted', () => {
    failed ||= !aliveAfter || healthz !== 200;
    expect(aliveAfter).toBe(true);
    expect(receiver.pids).toEqual([firstPid]);
    expect(healthz).toBe(200);
    expect(readyz).toBe(200);
    expect(genuineStatus).toBe(200);
  });

  it('answers every request (or cuts off a refused upload), never with a 5xx', () => {
    const bad = results.filter(
      (result) => (result.status === null && !cutOff(result)) || (result.status ?? 0) >= 500,
    );
    failed ||= bad.length > 0;
    expect(
      bad.slice(0, 10).map(({ no, kind, url, status, error }) => ({ no, kind, url, status, error })),
    ).toEqual([]);
  });

  it('gives every request the correct answer (400/413/431 authentic, 404 forged)', () => {
    const wrong = results.filter(
      (result) => result.status !== null && !result.expected.includes(result.status),
    );
    failed ||= wrong.length > 0;
    // grouped as "<url kind> → <status> <error code>" so a failure says which rule is broken
    const groups: Record<string, number> = {};
    for (const result of wrong) {
      const key =
        `${result.url} (${result.kind === 'huge_headers' ? 'huge headers' : 'body'}) → ${result.status} ${result.code ?? ''}`.trim();
      groups[key] = (groups[key] ?? 0) + 1;
    }
    expect(groups).toEqual({});
  });

  it('quarantines every authentic 400 with its reason, stores nothing from forged URLs', () => {
    const rejected = quarantinable();
    const withoutReason = rejected.filter((result) => result.code === null || result.deliveryId === null);
    expect(withoutReason.slice(0, 5)).toEqual([]);
    expect(stored.deliveries.quarantined ?? 0).toBe(rejected.length);
    const reasons = Object.values(stored.quarantineReasons).reduce((sum, n) => sum + n, 0);
    expect(reasons).toBe(rejected.length);
    expect(stored.quarantineReasons['(null)']).toBeUndefined();
    // the genuine delivery is the only one stored as decoded
    expect(stored.deliveries.stored ?? 0).toBe(1);
    // every body kind that is quarantined by its content was quarantined at least once
    const kinds = new Set(rejected.map((result) => result.kind));
    for (const kind of BODY_KINDS) {
      if (kind === 'huge_headers' || kind === 'malformed_header' || kind.startsWith('oversize')) continue;
      expect(kinds.has(kind), kind).toBe(true);
    }
  });

  it('answers forged URLs with one generic 404 body', () => {
    const forged = results.filter(
      (result) => result.url !== 'authentic' && !result.protocolLevel && result.status === 404,
    );
    expect(forged.length).toBeGreaterThan(0);
    expect(new Set(forged.map((result) => result.body)).size).toBe(1);
    const bodies413 = answered(413);
    expect(bodies413.length).toBeGreaterThan(0);
    expect(answered(431).length).toBeGreaterThan(0);
  });
});
