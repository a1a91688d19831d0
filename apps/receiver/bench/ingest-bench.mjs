#!/usr/bin/env node
/**
 * Ingest benchmark (issue 5). Each server runs in its own child process (ingest-servers.mjs, where
 * each variant's code is); autocannon drives it
 * from this process with the real-format order delivery (multipart/form-data, field `data`,
 * the captured order_confirm JSON with a unique innerId per request, so every request stores a
 * new event), keep-alive connections.
 *
 *   (a) ceiling:  bare fastify route, raw Buffer body, slices out `data`, JSON.parse, stores nothing;
 *                 same fastify (version and instance defaults), logger off (the bare route the issue
 *                 defines; the receivers log at their production level, so the ratios include it)
 *   (b) sqlite:   the receiver with SQLite (group commit, synchronous=FULL), 50 connections
 *   (c) postgres: the receiver with PostgreSQL, 50 connections
 *   (d) fixed:    the receiver with SQLite at a steady 500 req/s (open loop, evenly spaced; see
 *                 loadAtFixedRate for why not autocannon's overallRate); before it, the fsync
 *                 latency of the disk under the system's tmp dir is probed (probeFsync)
 *   (e) diagnostic: (d) with the SQLite file in RAM (/dev/shm, where it exists), so fsync costs nothing:
 *                 (d) − (e) is the disk's share of the latency. Not durable, never a target result.
 *   Durable floors: what durability alone costs on this machine, i.e. the most any receiver that answers
 *   only after a commit could reach here; the receiver's targets are ratios to them (TARGETS). Each is
 *   the ceiling's route plus the least durable write, with no validation, logging or metrics:
 *   (f) floor:          one delivery row and one event row per request in the receiver's SQLite schema,
 *                       group-committed by a writer thread with the receiver's SQLite settings
 *   (f') floorMinimal:  the raw body only, one row in a one-table SQLite file (no events, no indexes)
 *   (g) floorPostgres:  (f) on PostgreSQL: one multi-row statement per event-loop turn, receiver's schema
 *   (f''), (g'') floorRequired, floorPostgresRequired: (f) and (g) plus the work the issues require of any
 *                       receiver before it answers (decode and validate, dedupe key, one log line; see
 *                       serveFloor): how much of each floor that work alone leaves, the most the receiver
 *                       could reach of it
 *   (h) fixedRateFloor: (f) at (d)'s steady rate, on the same disk; (h'') fixedRateRequired: (f'') at that rate
 *
 * Every server runs with the environment and node flags of the receiver's `start` script.
 * The servers that are compared run in groups ((b) with its floors, (c) with its, (d) with (e), (h), (h'')):
 * a group's servers are started side by side, warmed up, and then take turns, BENCH_ROUNDS rounds with the
 * order rotated every round (runGroup), so a change in the machine's speed during the group falls on all
 * of them alike; each server's figures pool its rounds, and the ratios print the lowest and highest single
 * round next to the pooled one. After (b)'s rounds, a hostile round (hostileRound, ingest-load.mjs) and
 * the RSS the server settles at afterwards.
 * Prints req/s, p50/p99 latency, CPU per request, peak RSS of each server, the ratios to the floors
 * (targets) and to the bare route (reference); the last line is JSON. Needs `pnpm --filter @srhooks/receiver build` first (imports dist/).
 * Env: BENCH_DURATION (measured seconds per server in all, default 20), BENCH_ROUNDS (default 4: rounds of
 * BENCH_DURATION/BENCH_ROUNDS s), BENCH_WARM_UP (s per server before its first round, default 2),
 * BENCH_CONNECTIONS (default 50), BENCH_RATE (default 500),
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_ONLY (comma-separated run names,
 * e.g. `sqlite,floor`: run only those), BENCH_CPU_PROF (a directory: the servers run with
 * `--cpu-prof` and write their profiles there), BENCH_LOG_LEVEL (the receivers' log level, default info),
 * BENCH_HOSTILE_ROUNDS (default 6), BENCH_SETTLE_MS (the wait before the settled RSS is read, default
 * 10000). Diagnostics: BENCH_MEMORY_TRIM=off (the receivers without the memory trimmer), BENCH_NODE_FLAGS (space-separated node/V8 flags added to
 * every server, e.g. `--trace-gc --trace-gc-nvp`), BENCH_ALLOC_PROF (see startAllocationSampling in ingest-servers.mjs).
 */
import { fork } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { round } from './ingest-common.mjs';
import {
  hostileRound,
  load,
  percentile,
  postgresCpuMicros,
  probeFsync,
  ramDirectory,
} from './ingest-load.mjs';
import { startScriptEnv, startScriptNodeFlags } from './start-script-flags.mjs';

/** Seconds of measured load per server in all, split into ROUNDS rounds (see runGroup). */
const DURATION = Number(process.env.BENCH_DURATION ?? 20);
const ROUNDS = Math.max(1, Math.round(Number(process.env.BENCH_ROUNDS ?? 4)));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 500);
/** Warm-up load per server before its first round (JIT, caches), seconds. */
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP ?? 2);
/**
 * Targets relative to what durability allows on this machine, all measured in the same run: the
 * receiver's req/s ÷ its durable floor's (f/g), its server CPU per delivery ÷ the floor's, its p99 at
 * the fixed rate ÷ the floor's p99 at that rate (h), and memory: peak RSS under load and the RSS it
 * settles at after a hostile round (BENCH_HOSTILE_ROUNDS × 1000 undecodable bodies).
 */
const TARGETS = {
  sqliteVsFloor: 0.9,
  postgresVsFloor: 0.95,
  cpuVsFloor: 1.5,
  fixedRateP99VsFloor: 1.1,
  peakRssMb: 150,
  settledRssAfterHostileMb: 150,
};

function startServer(variant, { dbDir } = {}) {
  const profileDir = process.env.BENCH_CPU_PROF;
  const child = fork(fileURLToPath(new URL('./ingest-servers.mjs', import.meta.url)), [variant], {
    env: { ...process.env, ...startScriptEnv(), ...(dbDir ? { BENCH_SERVER_DB_DIR: dbDir } : {}) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [
      ...startScriptNodeFlags(),
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []),
    ],
  });
  const next = () =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`${variant} server exited with code ${code}`));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message);
      });
    });
  return {
    ready: next(),
    rss: () => {
      const answer = next();
      child.send('rss');
      return answer;
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.send('stop');
      }),
  };
}

/**
 * One server of a group, measured over several rounds: warmed up once, then each round adds its answers,
 * seconds, errors and latencies, and the CPU (all threads, and the main thread), event-loop time and
 * store commits of its own load: each is read just before and just after the round, so the figures are
 * those of sustained load, like a single long run. What the server does between its rounds, while the
 * other servers of the group are loaded, is not part of them; it is reported apart
 * (`betweenRoundsCpuMs`): for the receiver that is mostly the memory trimmer, which after a burst has V8
 * collect and gives memory back (apps/receiver/src/memory/memory-trim.ts) — a cost per burst, not per
 * delivery, that only the pauses between rounds bring about. PostgreSQL's CPU is read around each round
 * too (the server is shared by the group).
 */
async function startMeasured(name, variant, options) {
  const server = startServer(variant, { dbDir: options.dbDir });
  const { port } = await server.ready;
  const loadOptions = { connections: options.connections, overallRate: options.overallRate };
  let before;
  try {
    await load(port, { ...loadOptions, duration: WARM_UP_SECONDS });
    before = await server.rss();
  } catch (error) {
    await server.stop();
    throw error;
  }
  const rounds = [];
  const latencies = [];
  let postgresMicros = options.postgres ? 0 : null;
  /** Sums over the rounds of what each read measures (see `during`). */
  const sums = {
    cpuMicros: 0,
    mainThreadCpuMicros: 0,
    loopActiveMs: 0,
    commits: 0,
    items: 0,
    slowCommits: 0,
  };
  let mainThreadKnown = before.mainThreadCpuMicros !== null;
  const storeKnown = before.store !== null && before.store !== undefined;
  return {
    name,
    async round(duration) {
      const postgresBefore = postgresMicros === null ? null : postgresCpuMicros();
      const cpuBefore = await server.rss();
      const result = await load(port, { ...loadOptions, duration });
      const cpuAfter = await server.rss();
      if (postgresBefore !== null) {
        const postgresAfter = postgresCpuMicros();
        postgresMicros = postgresAfter === null ? null : postgresMicros + (postgresAfter - postgresBefore);
      }
      for (const latency of result.latencies) latencies.push(latency);
      sums.cpuMicros += cpuAfter.cpuMicros - cpuBefore.cpuMicros;
      sums.loopActiveMs += cpuAfter.loopActiveMs - cpuBefore.loopActiveMs;
      if (cpuAfter.mainThreadCpuMicros === null || cpuBefore.mainThreadCpuMicros === null)
        mainThreadKnown = false;
      else sums.mainThreadCpuMicros += cpuAfter.mainThreadCpuMicros - cpuBefore.mainThreadCpuMicros;
      if (storeKnown) {
        sums.commits += cpuAfter.store.commits - cpuBefore.store.commits;
        sums.items += cpuAfter.store.items - cpuBefore.store.items;
        sums.slowCommits += cpuAfter.store.slowCommits - cpuBefore.store.slowCommits;
      }
      const answered = Math.max(1, result.ok);
      rounds.push({
        seconds: result.seconds,
        ok: result.ok,
        errors: result.errors,
        requestsPerSecond: Math.round(result.ok / result.seconds),
        cpuMicrosPerRequest: Math.round((cpuAfter.cpuMicros - cpuBefore.cpuMicros) / answered),
      });
    },
    /** The pooled result of every round; then the hostile round if asked for; then the server stops. */
    async finish() {
      try {
        const after = await server.rss();
        const ok = rounds.reduce((sum, r) => sum + r.ok, 0);
        const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0);
        const answered = Math.max(1, ok);
        const { store } = after;
        const sorted = Float64Array.from(latencies).sort();
        const settled = options.hostile ? await hostileRound(port, server) : null;
        return {
          requestsPerSecond: Math.round(ok / seconds),
          p50Ms: round(percentile(sorted, 50)),
          p99Ms: round(percentile(sorted, 99)),
          ok,
          errors: rounds.reduce((sum, r) => sum + r.errors, 0),
          cpuMicrosPerRequest: Math.round(sums.cpuMicros / answered),
          ...(postgresMicros === null
            ? {}
            : { postgresCpuMicrosPerRequest: Math.round(postgresMicros / answered) }),
          mainThreadCpuMicrosPerRequest: mainThreadKnown
            ? Math.round(sums.mainThreadCpuMicros / answered)
            : null,
          loopMicrosPerRequest: Math.round((sums.loopActiveMs * 1000) / answered),
          // CPU of all threads between the warm-up and the end, outside the server's own rounds (ms).
          betweenRoundsCpuMs: Math.round((after.cpuMicros - before.cpuMicros - sums.cpuMicros) / 1000),
          // Writes per transaction (group commit), when the server has a store.
          writesPerCommit: storeKnown && sums.commits > 0 ? round(sums.items / sums.commits, 1) : null,
          // Commits slower than 5 ms during the rounds (SQLite: the WAL fsync, i.e. the disk), and the
          // longest commit of the server's life: what the disk added to the latency tail.
          slowCommits: storeKnown ? sums.slowCommits : null,
          longestCommitMs: store ? round(store.longestCommitMs, 1) : null,
          peakRssMb: round(after.peakRssMb, 1),
          rounds: rounds.map(({ requestsPerSecond, cpuMicrosPerRequest }) => ({
            requestsPerSecond,
            cpuMicrosPerRequest,
          })),
          ...(settled === null
            ? {}
            : {
                settledRssAfterHostileMb: settled.rssMb,
                settledHeapAfterHostileMb: settled.heapTotalMb,
                settledExternalAfterHostileMb: settled.externalMb,
                settledRssByMappingMb: settled.byMapping,
              }),
        };
      } finally {
        await server.stop();
      }
    },
  };
}

/**
 * The servers of a group run side by side and take turns: ROUNDS rounds of DURATION/ROUNDS seconds each,
 * the order rotated every round (a, b, c; b, c, a; …), so a change in the machine's speed during the group
 * (other tenants, the disk) falls on every server alike instead of on whichever ran at that moment. Each
 * server's figures pool its rounds; the per-round ratios show the spread (see roundRatios).
 */
async function runGroup(members) {
  const started = [];
  const results = {};
  try {
    for (const [name, variant, options] of members) started.push(await startMeasured(name, variant, options));
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < started.length; i++)
        await started[(i + r) % started.length].round(DURATION / ROUNDS);
    }
  } catch (error) {
    for (const server of started) await server.finish().catch(() => {});
    throw error;
  }
  for (const server of started) results[server.name] = await server.finish();
  return results;
}

/** Each round's req/s (or CPU per delivery) of `a` ÷ `b`'s in the same round: [lowest, highest]. */
function roundRatios(a, b, key) {
  if (!a?.rounds || !b?.rounds) return null;
  const ratios = a.rounds
    .map((round_, i) => (b.rounds[i] ? round_[key] / b.rounds[i][key] : Number.NaN))
    .filter(Number.isFinite);
  return ratios.length === 0 ? null : [round(Math.min(...ratios)), round(Math.max(...ratios))];
}

function spread(range) {
  return range === null ? '' : ` [${range[0]}–${range[1]}]`;
}

function printResult(name, r) {
  console.log(
    `${name.padEnd(9)} ${String(r.requestsPerSecond).padStart(6)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  ` +
      `errors ${r.errors}  CPU ${r.cpuMicrosPerRequest} µs/req (main thread ${r.mainThreadCpuMicrosPerRequest}, ` +
      `its loop busy ${r.loopMicrosPerRequest})  ` +
      `${r.postgresCpuMicrosPerRequest === undefined ? '' : `PostgreSQL's processes ${r.postgresCpuMicrosPerRequest} µs/req  `}` +
      `${r.writesPerCommit === null ? '' : `${r.writesPerCommit} writes/commit  `}` +
      `${r.slowCommits === null ? '' : `${r.slowCommits} commits > 5 ms (longest ${r.longestCommitMs} ms)  `}` +
      `peak RSS ${r.peakRssMb} MB  rounds ${r.rounds.map((x) => x.requestsPerSecond).join('/')} req/s  ` +
      `CPU between its rounds ${r.betweenRoundsCpuMs} ms` +
      (r.settledRssAfterHostileMb === undefined
        ? ''
        : `  after the hostile round: RSS ${r.settledRssAfterHostileMb} MB (V8 heap ${r.settledHeapAfterHostileMb}, external ${r.settledExternalAfterHostileMb}` +
          (r.settledRssByMappingMb
            ? `; malloc heap ${r.settledRssByMappingMb.mallocHeap}, other anonymous ${r.settledRssByMappingMb.anonymous}, node binary ${r.settledRssByMappingMb.nodeBinary}`
            : '') +
          ')'),
  );
}

async function main() {
  const results = {};
  const closed = { connections: CONNECTIONS };
  const fixed = { connections: 10, overallRate: RATE };
  const groups = [
    // (a) the bare route, for reference.
    [['ceiling', 'ceiling', closed]],
    // (b) the SQLite receiver and its floors (f, f', f''), taking turns.
    [
      ['sqlite', 'sqlite', { ...closed, hostile: true }],
      ['floor', 'floor', closed],
      ['floorMinimal', 'floorMinimal', closed],
      ['floorRequired', 'floorRequired', closed],
    ],
    // (c) the PostgreSQL receiver and its floors (g, g'').
    [
      ['postgres', 'postgres', { ...closed, postgres: true }],
      ['floorPostgres', 'floorPostgres', { ...closed, postgres: true }],
      ['floorPostgresRequired', 'floorPostgresRequired', { ...closed, postgres: true }],
    ],
    // (d) the SQLite receiver at a steady rate, (h) and (h'') the floors at that rate on the same disk, and
    // (e) the diagnostic with the SQLite file in RAM (/dev/shm), where fsync costs nothing, so (d) − (e) is
    // what the disk's fsync adds to the latency. (e) is not durable: never a result.
    [
      ['fixedRate', 'sqlite', fixed],
      ['fixedRateFloor', 'floor', fixed],
      ['fixedRateRequired', 'floorRequired', fixed],
      ['fixedRateRam', 'sqlite', { ...fixed, dbDir: ramDirectory() }],
    ],
  ];
  const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
  for (const group of groups) {
    const members = group.filter(
      ([name, , options]) => (!only || only.has(name)) && !(name === 'fixedRateRam' && !options.dbDir),
    );
    if (members.length === 0) continue;
    if (members.some(([name]) => name === 'fixedRate')) {
      results.diskFsync = await probeFsync(tmpdir());
      const f = results.diskFsync;
      console.log(
        `disk      fsync of 8 KiB, 2 ms apart: p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms  max ${f.maxMs} ms  ` +
          `${f.over5Ms}/1000 over 5 ms (${tmpdir()})`,
      );
    }
    try {
      Object.assign(results, await runGroup(members));
      for (const [name] of members) printResult(name, results[name]);
    } catch (error) {
      for (const [name] of members) results[name] = { error: error.message };
      console.log(`${members.map(([name]) => name).join(', ')} failed: ${error.message}`);
    }
  }
  const ceiling = results.ceiling?.requestsPerSecond;
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? round(a / b) : null);
  // Against the bare route (a): shown for reference; the absolute targets on these were retired
  // because the floors showed no receiver that stores before it answers can reach them here.
  const vsCeiling = {
    sqliteVsCeiling: ratio(results.sqlite?.requestsPerSecond, ceiling),
    postgresVsCeiling: ratio(results.postgres?.requestsPerSecond, ceiling),
    sqliteFloorVsCeiling: ratio(results.floor?.requestsPerSecond, ceiling),
    minimalFloorVsCeiling: ratio(results.floorMinimal?.requestsPerSecond, ceiling),
    postgresFloorVsCeiling: ratio(results.floorPostgres?.requestsPerSecond, ceiling),
  };
  // Against the durable floors of the same run: the targets.
  const ratios = {
    sqliteVsFloor: ratio(results.sqlite?.requestsPerSecond, results.floor?.requestsPerSecond),
    postgresVsFloor: ratio(results.postgres?.requestsPerSecond, results.floorPostgres?.requestsPerSecond),
    sqliteCpuVsFloor: ratio(results.sqlite?.cpuMicrosPerRequest, results.floor?.cpuMicrosPerRequest),
    postgresCpuVsFloor: ratio(
      results.postgres?.cpuMicrosPerRequest,
      results.floorPostgres?.cpuMicrosPerRequest,
    ),
    fixedRateP99VsFloor: ratio(results.fixedRate?.p99Ms, results.fixedRateFloor?.p99Ms),
  };
  // The lowest and highest ratio of a single round (the servers of a group alternate round by round), so
  // the noise of this run is printed next to each pooled ratio.
  const roundSpread = {
    sqliteVsFloor: roundRatios(results.sqlite, results.floor, 'requestsPerSecond'),
    postgresVsFloor: roundRatios(results.postgres, results.floorPostgres, 'requestsPerSecond'),
    sqliteCpuVsFloor: roundRatios(results.sqlite, results.floor, 'cpuMicrosPerRequest'),
    postgresCpuVsFloor: roundRatios(results.postgres, results.floorPostgres, 'cpuMicrosPerRequest'),
    requiredVsFloor: roundRatios(results.floorRequired, results.floor, 'requestsPerSecond'),
    postgresRequiredVsFloor: roundRatios(
      results.floorPostgresRequired,
      results.floorPostgres,
      'requestsPerSecond',
    ),
  };
  // What the required work alone (f'') costs against the floor, same run: the most a receiver that decodes,
  // validates and logs each delivery before it answers can reach of the floor's req/s and CPU.
  const requiredWork = {
    requiredVsFloor: ratio(results.floorRequired?.requestsPerSecond, results.floor?.requestsPerSecond),
    requiredCpuVsFloor: ratio(results.floorRequired?.cpuMicrosPerRequest, results.floor?.cpuMicrosPerRequest),
    sqliteVsRequired: ratio(results.sqlite?.requestsPerSecond, results.floorRequired?.requestsPerSecond),
    sqliteCpuVsRequired: ratio(
      results.sqlite?.cpuMicrosPerRequest,
      results.floorRequired?.cpuMicrosPerRequest,
    ),
    fixedRateRequiredP99VsFloor: ratio(results.fixedRateRequired?.p99Ms, results.fixedRateFloor?.p99Ms),
    postgresRequiredVsFloor: ratio(
      results.floorPostgresRequired?.requestsPerSecond,
      results.floorPostgres?.requestsPerSecond,
    ),
    postgresRequiredCpuVsFloor: ratio(
      results.floorPostgresRequired?.cpuMicrosPerRequest,
      results.floorPostgres?.cpuMicrosPerRequest,
    ),
  };
  const measuredRss = [results.sqlite, results.postgres, results.fixedRate]
    .map((r) => r?.peakRssMb)
    .filter((value) => Number.isFinite(value));
  const peakRssMb = measuredRss.length === 0 ? null : Math.max(...measuredRss);
  const settledRssAfterHostileMb = results.sqlite?.settledRssAfterHostileMb ?? null;
  const met = {
    sqliteVsFloor: ratios.sqliteVsFloor !== null && ratios.sqliteVsFloor >= TARGETS.sqliteVsFloor,
    postgresVsFloor: ratios.postgresVsFloor !== null && ratios.postgresVsFloor >= TARGETS.postgresVsFloor,
    sqliteCpuVsFloor: ratios.sqliteCpuVsFloor !== null && ratios.sqliteCpuVsFloor <= TARGETS.cpuVsFloor,
    postgresCpuVsFloor: ratios.postgresCpuVsFloor !== null && ratios.postgresCpuVsFloor <= TARGETS.cpuVsFloor,
    fixedRateP99VsFloor:
      ratios.fixedRateP99VsFloor !== null && ratios.fixedRateP99VsFloor <= TARGETS.fixedRateP99VsFloor,
    peakRss: peakRssMb !== null && peakRssMb <= TARGETS.peakRssMb,
    settledRssAfterHostile:
      settledRssAfterHostileMb !== null && settledRssAfterHostileMb <= TARGETS.settledRssAfterHostileMb,
  };
  console.log(
    `reference vs the bare route (a): b/a ${vsCeiling.sqliteVsCeiling}  c/a ${vsCeiling.postgresVsCeiling}  ` +
      `SQLite floor/a ${vsCeiling.sqliteFloorVsCeiling}  minimal floor/a ${vsCeiling.minimalFloorVsCeiling}  ` +
      `PostgreSQL floor/a ${vsCeiling.postgresFloorVsCeiling}`,
  );
  if (results.fixedRateRam?.p99Ms !== undefined) {
    console.log(
      `          (e) is a diagnostic (SQLite file in RAM, not durable): p99 ${results.fixedRateRam.p99Ms} ms ` +
        `without the disk's fsync vs ${results.fixedRate?.p99Ms} ms with it`,
    );
  }
  console.log(
    `ratios    vs the durable floors of this run (pooled rounds; single rounds' lowest–highest in brackets): ` +
      `SQLite ${ratios.sqliteVsFloor}${spread(roundSpread.sqliteVsFloor)} (target ≥ ${TARGETS.sqliteVsFloor})  ` +
      `PostgreSQL ${ratios.postgresVsFloor}${spread(roundSpread.postgresVsFloor)} (≥ ${TARGETS.postgresVsFloor})  ` +
      `CPU/delivery SQLite ${ratios.sqliteCpuVsFloor}${spread(roundSpread.sqliteCpuVsFloor)} ` +
      `PostgreSQL ${ratios.postgresCpuVsFloor}${spread(roundSpread.postgresCpuVsFloor)} (≤ ${TARGETS.cpuVsFloor})  ` +
      `p99 @${RATE}/s ${ratios.fixedRateP99VsFloor} (≤ ${TARGETS.fixedRateP99VsFloor})`,
  );
  if (requiredWork.requiredVsFloor !== null) {
    console.log(
      `required  the SQLite floor plus decode, validation, dedupe key and a log line (f''), of the floor: ` +
        `req/s ${requiredWork.requiredVsFloor}${spread(roundSpread.requiredVsFloor)}  CPU/delivery ${requiredWork.requiredCpuVsFloor}; ` +
        `the receiver of (f''): req/s ${requiredWork.sqliteVsRequired}  CPU/delivery ${requiredWork.sqliteCpuVsRequired}` +
        (requiredWork.fixedRateRequiredP99VsFloor === null
          ? ''
          : `; (f'') at ${RATE}/s, p99 of the floor's: ${requiredWork.fixedRateRequiredP99VsFloor}`),
    );
  }
  if (requiredWork.postgresRequiredVsFloor !== null) {
    console.log(
      `required  the PostgreSQL floor plus the same work (g''), of its floor: req/s ${requiredWork.postgresRequiredVsFloor}` +
        `${spread(roundSpread.postgresRequiredVsFloor)}  ` +
        `CPU/delivery ${requiredWork.postgresRequiredCpuVsFloor}`,
    );
  }
  console.log(
    `memory    peak RSS under load ${peakRssMb} MB (≤ ${TARGETS.peakRssMb})  settled RSS after the hostile round ` +
      `${settledRssAfterHostileMb} MB (≤ ${TARGETS.settledRssAfterHostileMb})`,
  );
  // Other processes on the machine skew every number: the load average says how much.
  const machine = { cpus: cpus().length, loadAverage1m: round(loadavg()[0]) };
  console.log(`machine   ${machine.cpus} CPUs, load average ${machine.loadAverage1m} (1 min)`);
  console.log(
    JSON.stringify({
      durationSeconds: DURATION,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
      nodeFlags: startScriptNodeFlags(),
      nodeEnv: startScriptEnv(),
      rate: RATE,
      machine,
      results,
      vsCeiling,
      ratios,
      roundSpread,
      requiredWork,
      peakRssMb,
      settledRssAfterHostileMb,
      targets: TARGETS,
      met,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
