/**
 * Forward target down for a while, on a compressed clock: the receiver (child process, SQLite) has
 * two `forward` handlers whose retry schedules are Svix's, compressed through the handlers' `retry`
 * config (5 s, 5 m, 30 m, … become ms):
 * - `erp` (Svix ÷ 10,000: 1 ms, 30 ms, 180 ms, 720 ms, 1.8 s, 3.6 s, 3.6 s): its target refuses
 *   connections, then comes back. Every job is retried on schedule (never earlier than its delay
 *   minus jitter, per the attempts the store recorded) and delivered exactly once after the target
 *   returns.
 * - `chat` (Svix's first three ÷ 1,000: 5 ms, 300 ms, 1.8 s): its target answers 503 until every job
 *   is dead-lettered; then it recovers and the dead letters are replayed with the CLI
 *   (`srhooks dead-letters retry --receiver … --admin-token …`): each delivered exactly once.
 */

import { freePort } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli-process.js';
import { printFigures } from './support/figures.js';
import { ForwardTarget } from './support/forward-target.js';
import { type LoadResult, runLoad } from './support/load-generator.js';
import { orderDeliveries } from './support/order-deliveries.js';
import { ReceiverProcess } from './support/receiver-process.js';
import { type ScenarioDir, scenarioDir } from './support/scenario-dir.js';
import { FORWARD_SECRET, RELIABILITY_ADMIN_TOKEN, RELIABILITY_SECRET } from './support/secrets.js';
import { scenarioSeed } from './support/seeded-random.js';
import { type JobAttemptRow, type JobRow, readSqliteJobs } from './support/store-inspection.js';
import { sleep, waitUntil } from './support/wait-until.js';

const SHOP = 'forward-shop';
const EVENTS = 200;
const JITTER = 0.2;
const SVIX_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
const ERP_DELAYS_MS = SVIX_DELAYS_MS.map((ms) => Math.max(1, Math.round(ms / 10_000)));
const CHAT_DELAYS_MS = SVIX_DELAYS_MS.slice(0, 3).map((ms) => Math.round(ms / 1000));
/** How long the erp target stays down after the deliveries are in. */
const ERP_DOWN_MS = 1500;
/** Clock granularity of the recorded attempt times (ms) allowed when comparing with the schedule. */
const TOLERANCE_MS = 2;

interface ScheduleCheck {
  /** Gaps between attempts shorter than the delay allows (retried early). */
  early: Array<{ jobId: string; attempt: number; gapMs: number; minMs: number }>;
  gaps: number;
}

/** Every gap between consecutive attempts of a job must be at least delay × (1 − jitter). */
function checkSchedule(
  attempts: JobAttemptRow[],
  handler: string,
  delays: number[],
  upToAttempt: number,
): ScheduleCheck {
  const byJob = new Map<string, JobAttemptRow[]>();
  for (const row of attempts) {
    if (row.handler !== handler || row.attempt > upToAttempt) continue;
    const list = byJob.get(row.jobId) ?? [];
    list.push(row);
    byJob.set(row.jobId, list);
  }
  const early: ScheduleCheck['early'] = [];
  let gaps = 0;
  for (const [jobId, rows] of byJob) {
    rows.sort((a, b) => a.attempt - b.attempt);
    for (let i = 1; i < rows.length; i++) {
      const previous = rows[i - 1] as JobAttemptRow;
      const current = rows[i] as JobAttemptRow;
      const delay = delays[previous.attempt - 1];
      if (delay === undefined || current.attempt !== previous.attempt + 1) continue;
      gaps += 1;
      const minMs = Math.floor(delay * (1 - JITTER)) - TOLERANCE_MS;
      const gapMs = current.startedAt - previous.startedAt;
      if (gapMs < minMs) early.push({ jobId, attempt: current.attempt, gapMs, minMs });
    }
  }
  return { early, gaps };
}

describe('forward target down for a while (compressed clock), dead letters replayed with the CLI', () => {
  const seed = scenarioSeed();
  let dir: ScenarioDir;
  let erpTarget: ForwardTarget;
  let chatTarget: ForwardTarget;
  let receiver: ReceiverProcess;
  let dbFile: string;
  let load: LoadResult;
  let jobsBeforeReplay: JobRow[] = [];
  let jobsAfter: JobRow[] = [];
  let attempts: JobAttemptRow[] = [];
  let chatDead = false;
  let erpSettled = false;
  let chatSettled = false;
  let cli = { code: -1, stdout: '', stderr: '' };
  let replayed: number | null = null;
  let failed = false;

  beforeAll(async () => {
    dir = scenarioDir('forward');
    dbFile = dir.file('srhooks.db');
    erpTarget = await ForwardTarget.start(FORWARD_SECRET);
    chatTarget = await ForwardTarget.start(FORWARD_SECRET);
    await erpTarget.refuse();
    chatTarget.fail(503);
    receiver = await ReceiverProcess.start({
      dir: dir.path,
      port: await freePort(),
      env: {
        SRHOOKS_SECRETS: RELIABILITY_SECRET,
        SRHOOKS_ADMIN_TOKEN: RELIABILITY_ADMIN_TOKEN,
        SRHOOKS_DB: dbFile,
        LOG_LEVEL: 'warn',
      },
      config: {
        shops: [{ name: SHOP, handlers: ['erp', 'chat'] }],
        handlers: {
          erp: {
            type: 'forward',
            url: erpTarget.url,
            secret: FORWARD_SECRET,
            allowPrivateTargets: true,
            timeoutMs: 2000,
            retry: { delays: ERP_DELAYS_MS, jitter: JITTER },
          },
          chat: {
            type: 'forward',
            url: chatTarget.url,
            secret: FORWARD_SECRET,
            allowPrivateTargets: true,
            timeoutMs: 2000,
            retry: { delays: CHAT_DELAYS_MS, jitter: JITTER },
          },
        },
      },
    });

    load = await runLoad({
      baseUrl: receiver.baseUrl,
      deliveries: orderDeliveries({
        shop: SHOP,
        secret: RELIABILITY_SECRET,
        count: EVENTS,
        firstInnerId: 3_000_000,
        seed,
      }),
      concurrency: 8,
      retryDelayMs: 100,
      deadlineMs: 30_000,
    });

    // erp's target comes back after a while; chat's stays broken until everything is dead-lettered.
    const handlerJobs = (handler: string) =>
      readSqliteJobs(dbFile, SHOP).jobs.filter((job) => job.handler === handler);
    await sleep(ERP_DOWN_MS);
    // ...and not before every erp job met it down once (a loaded machine may start some jobs later).
    await waitUntil(
      () => {
        const jobs = handlerJobs('erp');
        return jobs.length === EVENTS && jobs.every((job) => job.attempts >= 1);
      },
      30_000,
      100,
    );
    await erpTarget.accept();
    erpSettled = await waitUntil(
      () => handlerJobs('erp').every((job) => job.status === 'succeeded'),
      30_000,
      250,
    );
    chatDead = await waitUntil(
      () => {
        const jobs = handlerJobs('chat');
        return jobs.length === EVENTS && jobs.every((job) => job.status === 'dead');
      },
      30_000,
      250,
    );
    jobsBeforeReplay = readSqliteJobs(dbFile, SHOP).jobs;

    // chat's target is fixed: replay the dead letters with the CLI.
    await chatTarget.accept();
    cli = await runCli(
      [
        'dead-letters',
        'retry',
        '--receiver',
        receiver.baseUrl,
        '--admin-token',
        RELIABILITY_ADMIN_TOKEN,
        '--json',
      ],
      dir.path,
    );
    try {
      const parsed = JSON.parse(cli.stdout) as { replayed?: unknown };
      replayed = typeof parsed.replayed === 'number' ? parsed.replayed : null;
    } catch {
      replayed = null;
    }
    chatSettled = await waitUntil(
      () => handlerJobs('chat').every((job) => job.status === 'succeeded'),
      30_000,
      250,
    );
    await receiver.stop();
    ({ jobs: jobsAfter, attempts } = readSqliteJobs(dbFile, SHOP));
  }, 200_000);

  afterAll(async () => {
    await receiver?.stop();
    await erpTarget?.close();
    await chatTarget?.close();
    dir?.remove(failed);
  });

  const jobsOf = (jobs: JobRow[], handler: string) => jobs.filter((job) => job.handler === handler);

  it('prints its figures', () => {
    const erp = erpTarget.figures();
    const chat = chatTarget.figures();
    const erpSchedule = checkSchedule(attempts, 'erp', ERP_DELAYS_MS, Number.POSITIVE_INFINITY);
    const chatSchedule = checkSchedule(attempts, 'chat', CHAT_DELAYS_MS, CHAT_DELAYS_MS.length + 1);
    const erpAttempts = jobsOf(jobsAfter, 'erp').map((job) => job.attempts);
    printFigures('forward-outage', {
      seed,
      sent: load.sent,
      acked: load.acked.size,
      events: EVENTS,
      erpAttemptsMin: Math.min(...erpAttempts),
      erpAttemptsMax: Math.max(...erpAttempts),
      erpDelivered: erp.orders,
      erpDuplicates: erp.duplicates,
      erpResent: erp.resent,
      chatDead: jobsOf(jobsBeforeReplay, 'chat').filter((job) => job.status === 'dead').length,
      chat503: chat.requests - chat.accepted,
      replayed: replayed ?? 'none',
      chatDelivered: chat.orders,
      chatDuplicates: chat.duplicates,
      chatResent: chat.resent,
      scheduleGaps: erpSchedule.gaps + chatSchedule.gaps,
      earlyRetries: erpSchedule.early.length + chatSchedule.early.length,
      badSignatures: erp.badSignatures + chat.badSignatures,
      cliExit: cli.code,
    });
    expect(load.acked.size).toBe(EVENTS);
  });

  it('retries on schedule: no attempt earlier than its delay allows', () => {
    const erpSchedule = checkSchedule(attempts, 'erp', ERP_DELAYS_MS, Number.POSITIVE_INFINITY);
    const chatSchedule = checkSchedule(attempts, 'chat', CHAT_DELAYS_MS, CHAT_DELAYS_MS.length + 1);
    failed ||= erpSchedule.early.length + chatSchedule.early.length > 0;
    expect(erpSchedule.gaps).toBeGreaterThan(EVENTS);
    expect(erpSchedule.early.slice(0, 5)).toEqual([]);
    expect(chatSchedule.gaps).toBe(EVENTS * CHAT_DELAYS_MS.length);
    expect(chatSchedule.early.slice(0, 5)).toEqual([]);
  });

  it('delivers every erp event exactly once after its target returns', () => {
    const erp = erpTarget.figures();
    failed ||= !erpSettled || erp.duplicates > 0;
    expect(erpSettled).toBe(true);
    // the target was down at the first attempt of every job
    expect(jobsOf(jobsAfter, 'erp').every((job) => job.attempts >= 2)).toBe(true);
    expect(erp.orders).toBe(EVENTS);
    expect(erp.handled).toBe(EVENTS);
    expect(erp.duplicates).toBe(0);
    expect(erp.resent).toBe(0);
    expect(erp.badSignatures).toBe(0);
  });

  it('dead-letters chat after its schedule, with the last error', () => {
    expect(chatDead).toBe(true);
    const dead = jobsOf(jobsBeforeReplay, 'chat');
    expect(dead).toHaveLength(EVENTS);
    expect(dead.every((job) => job.attempts === CHAT_DELAYS_MS.length + 1)).toBe(true);
    expect(dead.every((job) => /503/.test(job.lastError ?? ''))).toBe(true);
  });

  it('replays the dead letters with the CLI and delivers each exactly once', () => {
    const chat = chatTarget.figures();
    failed ||= !chatSettled || chat.duplicates > 0;
    expect(cli.code, cli.stderr).toBe(0);
    expect(replayed).toBe(EVENTS);
    expect(chatSettled).toBe(true);
    expect(chat.orders).toBe(EVENTS);
    expect(chat.duplicates).toBe(0);
    expect(chat.resent).toBe(0);
    expect(chat.badSignatures).toBe(0);
  });
});
