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
 * After (b)'s load, a hostile round (hostileRound) and the RSS the server settles at afterwards.
 * Prints req/s, p50/p99 latency, CPU per request, peak RSS of each server, the ratios to the floors
 * (targets) and to the bare route (reference); the last line is JSON. Needs `pnpm --filter @srhooks/receiver build` first (imports dist/).
 * Env: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 50), BENCH_RATE (default 500),
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_ONLY (comma-separated run names,
 * e.g. `sqlite,fixedRate`: run only those), BENCH_CPU_PROF (a directory: the servers run with
 * `--cpu-prof` and write their profiles there), BENCH_LOG_LEVEL (the receivers' log level, default info),
 * BENCH_HOSTILE_ROUNDS (default 6). Diagnostics: BENCH_NODE_FLAGS (space-separated node/V8 flags added to
 * every server, e.g. `--trace-gc --trace-gc-nvp`), BENCH_ALLOC_PROF (see startAllocationSampling in ingest-servers.mjs).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { round, SECRET } from './ingest-common.mjs';
import { startScriptEnv, startScriptNodeFlags } from './start-script-flags.mjs';

const SHOP = 'demo';
const EVENT = 'order_confirm';
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RATE = Number(process.env.BENCH_RATE ?? 500);
/**
 * Targets relative to what durability allows on this machine, all measured in the same run: the
 * receiver's req/s ÷ its durable floor's (f/g), its server CPU per delivery ÷ the floor's, its p99 at
 * the fixed rate ÷ the floor's p99 at that rate (h), and memory: peak RSS under load and the RSS it
 * settles at after a hostile round (HOSTILE_ROUNDS × HOSTILE_REQUESTS undecodable bodies).
 */
const TARGETS = {
  sqliteVsFloor: 0.9,
  postgresVsFloor: 0.95,
  cpuVsFloor: 1.5,
  fixedRateP99VsFloor: 1.1,
  peakRssMb: 150,
  settledRssAfterHostileMb: 150,
};
const HOSTILE_ROUNDS = Number(process.env.BENCH_HOSTILE_ROUNDS ?? 6);
const HOSTILE_REQUESTS = 1000;
/** How long the server is left alone after the hostile round before its RSS is read. */
const SETTLE_MS = 10_000;

/** The captured delivery's Content-Type and body, split around the innerId so each request gets its own. */
function deliveryTemplate() {
  const raw = readFileSync(
    new URL(
      '../../../packages/contracts/fixtures/shoprenter/deliveries/order_confirm.multipart.http',
      import.meta.url,
    ),
  );
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, headEnd).toString('latin1');
  const contentType = /\r\ncontent-type:\s*([^\r\n]+)/i.exec(head)[1];
  const body = raw.subarray(headEnd + 4).toString('utf8');
  if (!body.includes('"innerId":"190"')) throw new Error('fixture changed: no "innerId":"190" to vary');
  const [before, after] = body.split('"innerId":"190"');
  return { contentType, before: `${before}"innerId":"`, after: `"${after}` };
}

// ---------------------------------------------------------------------------------------------
// Parent: drive each server
// ---------------------------------------------------------------------------------------------

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

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** innerIds continue across runs against the same server (warm-up, then measurement). */
let sequenceBase = 1_000_000;

/**
 * Open-loop load at a steady rate: request i is sent at start + i/rate (never in bursts), over at
 * most `connections` keep-alive connections; latency runs from sending to the end of the answer.
 * autocannon's `overallRate` is not used for this: it lets each connection send its per-second
 * quota back to back at the start of every second, which measures queueing behind a burst of
 * `connections` concurrent requests, not the latency at a steady 500 req/s.
 */
async function loadAtFixedRate(port, { connections, duration, rate }) {
  const { default: http } = await import('node:http');
  const { signDeliveryPath } = await import('@srhooks/contracts');
  const { contentType, before, after } = deliveryTemplate();
  const path = signDeliveryPath({ shop: SHOP, event: EVENT }, SECRET);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.round(rate * duration);
  const interval = 1000 / rate;
  // Bodies and the latency array are made before the clock starts: the generator's own allocations
  // (and its garbage collections) would otherwise show up in the latencies it measures.
  const bodies = Array.from({ length: total }, (_, i) =>
    Buffer.from(`${before}${i + 1 + sequenceBase}${after}`),
  );
  const latencies = new Float64Array(total);
  let answered = 0;
  let errors = 0;
  let sent = 0;
  const send = () =>
    new Promise((resolve) => {
      const body = bodies[sent++];
      const startedAt = performance.now();
      const request = http.request(
        {
          port,
          host: '127.0.0.1',
          path,
          method: 'POST',
          agent,
          headers: {
            'content-type': contentType,
            'content-length': body.length,
            'user-agent': 'ShopRenter',
            accept: '*/*',
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 200) latencies[answered++] = performance.now() - startedAt;
            else errors++;
            resolve();
          });
        },
      );
      request.on('error', () => {
        errors++;
        resolve();
      });
      request.end(body);
    });
  const started = performance.now();
  const pending = [];
  while (sent < total) {
    const due = started + sent * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // Catch up after a late timer: everything that is due goes now.
    while (sent < total && started + sent * interval <= performance.now()) pending.push(send());
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  sequenceBase += sent;
  const measured = latencies.subarray(0, answered).sort();
  return {
    requestsPerSecond: Math.round(answered / seconds),
    p50Ms: round(percentile(measured, 50)),
    p99Ms: round(percentile(measured, 99)),
    ok: answered,
    errors,
  };
}

async function load(port, { connections, duration, overallRate }) {
  if (overallRate) return loadAtFixedRate(port, { connections, duration, rate: overallRate });
  const { default: autocannon } = await import('autocannon');
  const { signDeliveryPath } = await import('@srhooks/contracts');
  const { contentType, before, after } = deliveryTemplate();
  const latencies = [];
  let sequence = 0;
  const instance = autocannon({
    url: `http://127.0.0.1:${port}${signDeliveryPath({ shop: SHOP, event: EVENT }, SECRET)}`,
    method: 'POST',
    headers: { 'content-type': contentType, 'user-agent': 'ShopRenter', accept: '*/*' },
    // A new order (innerId) per request, so every request stores a new event (no duplicates).
    requests: [
      { setupRequest: (request) => ({ ...request, body: `${before}${++sequence + sequenceBase}${after}` }) },
    ],
    connections,
    duration,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === 200) latencies.push(responseTime);
  });
  const result = await instance;
  sequenceBase += sequence;
  latencies.sort((x, y) => x - y);
  return {
    requestsPerSecond: Math.round(latencies.length / result.duration),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    ok: latencies.length,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/**
 * fsync latency of the disk under `dir` right now: 1,000 appends of 8 KiB, each fsynced, paced 2 ms
 * apart like (d)'s commits. A durable commit cannot be faster than this, so its tail bounds (d)'s p99.
 */
async function probeFsync(dir) {
  const { openSync, writeSync, fsyncSync, closeSync } = await import('node:fs');
  const probeDir = mkdtempSync(join(dir, 'srhooks-fsync-'));
  const fd = openSync(join(probeDir, 'probe'), 'w');
  const block = Buffer.alloc(8192, 1);
  const times = [];
  try {
    for (let i = 0; i < 1000; i++) {
      writeSync(fd, block);
      const started = performance.now();
      fsyncSync(fd);
      times.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    closeSync(fd);
    rmSync(probeDir, { recursive: true, force: true });
  }
  times.sort((x, y) => x - y);
  return {
    p50Ms: round(percentile(times, 50), 3),
    p99Ms: round(percentile(times, 99), 3),
    maxMs: round(times.at(-1), 1),
    over5Ms: times.filter((ms) => ms > 5).length,
  };
}

/** A RAM-backed directory for the diagnostic run (e), or null where there is none. */
function ramDirectory() {
  try {
    const dir = mkdtempSync('/dev/shm/srhooks-bench-ram-');
    rmSync(dir, { recursive: true, force: true });
    return '/dev/shm';
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system, µs) the machine's PostgreSQL processes used so far, from /proc (Linux; null
 * elsewhere or when none runs here): every live process named postgres, plus what the postmaster's
 * children that already ended used (its cutime/cstime). A local server shares the cores with the
 * receiver, so its work per delivery is part of what the PostgreSQL runs cost. Other clients of the same
 * server are counted too: a diagnostic, never a target.
 */
function postgresCpuMicros() {
  let total = 0;
  let found = false;
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (name !== 'postgres') continue;
    found = true;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += Number(fields[11]) + Number(fields[12]);
    if (fields[1] === '1' || !isPostgresProcess(fields[1])) total += Number(fields[13]) + Number(fields[14]);
  }
  return found ? total * 10_000 : null;
}

function isPostgresProcess(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'postgres';
  } catch {
    return false;
  }
}

async function measure(variant, options) {
  const server = startServer(variant, { dbDir: options.dbDir });
  const { port } = await server.ready;
  try {
    await load(port, { ...options, duration: Math.min(2, options.duration) }); // warm-up (JIT, caches)
    const before = await server.rss();
    const postgresBefore = options.postgres ? postgresCpuMicros() : null;
    const result = await load(port, options);
    const { peakRssMb, cpuMicros, mainThreadCpuMicros, loopActiveMs, store } = await server.rss();
    const postgresAfter = postgresBefore === null ? null : postgresCpuMicros();
    const settled = options.hostile ? await hostileRound(port, server) : null;
    // Server CPU time (user + system, all threads) and main-thread busy time per answered request:
    // less sensitive to the machine's load than req/s, so they show the effect of a change on a busy
    // machine too.
    const answered = Math.max(1, result.ok);
    const cpuMicrosPerRequest = Math.round((cpuMicros - before.cpuMicros) / answered);
    const loopMicrosPerRequest = Math.round(((loopActiveMs - before.loopActiveMs) * 1000) / answered);
    const mainThreadCpuMicrosPerRequest =
      mainThreadCpuMicros === null || before.mainThreadCpuMicros === null
        ? null
        : Math.round((mainThreadCpuMicros - before.mainThreadCpuMicros) / answered);
    const writesPerCommit =
      store && before.store && store.commits > before.store.commits
        ? round((store.items - before.store.items) / (store.commits - before.store.commits), 1)
        : null;
    // Commits slower than 5 ms during the run (SQLite: the WAL fsync, i.e. the disk), and the
    // longest commit of the server's life: what the disk added to the latency tail.
    const slowCommits = store && before.store ? store.slowCommits - before.store.slowCommits : null;
    return {
      ...result,
      cpuMicrosPerRequest,
      ...(postgresBefore === null || postgresAfter === null
        ? {}
        : { postgresCpuMicrosPerRequest: Math.round((postgresAfter - postgresBefore) / answered) }),
      mainThreadCpuMicrosPerRequest,
      loopMicrosPerRequest,
      writesPerCommit,
      slowCommits,
      longestCommitMs: store ? round(store.longestCommitMs, 1) : null,
      peakRssMb: round(peakRssMb, 1),
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
}

/**
 * Hostile load as the reliability suite's hostile scenario sends it (authentic URL, undecodable
 * bodies of a few bytes to 256 KB: broken JSON, wrong types, garbage), HOSTILE_ROUNDS rounds of
 * HOSTILE_REQUESTS over 20 connections; then the server is left alone for SETTLE_MS and its RSS read.
 */
async function hostileRound(port, server) {
  const { default: autocannon } = await import('autocannon');
  const { signDeliveryPath } = await import('@srhooks/contracts');
  const bodies = [
    '{"orders":{"order":[{"innerId":"1","total":"lots"}]}}',
    `{"orders":{"order":[{"innerId":"2","comment":"${'ő'.repeat(100_000)}"`,
    Buffer.alloc(256 * 1024, 0xfe).toString('latin1'),
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
  ];
  let sequence = 0;
  for (let round = 0; round < HOSTILE_ROUNDS; round++) {
    await autocannon({
      url: `http://127.0.0.1:${port}${signDeliveryPath({ shop: SHOP, event: EVENT }, SECRET)}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ShopRenter' },
      requests: [{ setupRequest: (request) => ({ ...request, body: bodies[sequence++ % bodies.length] }) }],
      connections: 20,
      amount: HOSTILE_REQUESTS,
    });
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const settled = await server.rss();
  return {
    rssMb: round(settled.rssMb, 1),
    heapTotalMb: round(settled.heapTotalMb, 1),
    externalMb: round(settled.externalMb, 1),
    byMapping: settled.byMapping,
  };
}

async function main() {
  const results = {};
  const runs = [
    ['ceiling', 'ceiling', { connections: CONNECTIONS, duration: DURATION }],
    ['sqlite', 'sqlite', { connections: CONNECTIONS, duration: DURATION, hostile: true }],
    // (f) diagnostic, not a target: the least a durable receiver must do (see serveFloor).
    ['floor', 'floor', { connections: CONNECTIONS, duration: DURATION }],
    ['floorMinimal', 'floorMinimal', { connections: CONNECTIONS, duration: DURATION }],
    // (f'') diagnostic: (f) plus the work every receiver must do before it answers (see serveFloor).
    ['floorRequired', 'floorRequired', { connections: CONNECTIONS, duration: DURATION }],
    ['postgres', 'postgres', { connections: CONNECTIONS, duration: DURATION, postgres: true }],
    ['floorPostgres', 'floorPostgres', { connections: CONNECTIONS, duration: DURATION, postgres: true }],
    // (g'') diagnostic: (g) plus the work every receiver must do before it answers, as in (f'').
    [
      'floorPostgresRequired',
      'floorPostgresRequired',
      { connections: CONNECTIONS, duration: DURATION, postgres: true },
    ],
    ['fixedRate', 'sqlite', { connections: 10, duration: DURATION, overallRate: RATE }],
    // (h) diagnostic, not a target: the durable floor (f) at the same steady rate, on the same disk.
    ['fixedRateFloor', 'floor', { connections: 10, duration: DURATION, overallRate: RATE }],
    // (h'') diagnostic: (f'') at the same steady rate, on the same disk.
    ['fixedRateRequired', 'floorRequired', { connections: 10, duration: DURATION, overallRate: RATE }],
    // (e) diagnostic, not a target: (d) with the SQLite file in RAM (/dev/shm), where fsync costs
    // nothing, so (d) − (e) is what the disk's fsync adds to the latency. Not durable; never a result.
    [
      'fixedRateRam',
      'sqlite',
      { connections: 10, duration: DURATION, overallRate: RATE, dbDir: ramDirectory() },
    ],
  ];
  const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
  for (const [name, variant, options] of runs) {
    if (only && !only.has(name)) continue;
    if (name === 'fixedRateRam' && !options.dbDir) continue;
    if (name === 'fixedRate') {
      results.diskFsync = await probeFsync(tmpdir());
      const f = results.diskFsync;
      console.log(
        `disk      fsync of 8 KiB, 2 ms apart: p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms  max ${f.maxMs} ms  ` +
          `${f.over5Ms}/1000 over 5 ms (${tmpdir()})`,
      );
    }
    try {
      results[name] = await measure(variant, options);
      const r = results[name];
      console.log(
        `${name.padEnd(9)} ${String(r.requestsPerSecond).padStart(6)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  ` +
          `errors ${r.errors}  CPU ${r.cpuMicrosPerRequest} µs/req (main thread ${r.mainThreadCpuMicrosPerRequest}, ` +
          `its loop busy ${r.loopMicrosPerRequest})  ` +
          `${r.postgresCpuMicrosPerRequest === undefined ? '' : `PostgreSQL's processes ${r.postgresCpuMicrosPerRequest} µs/req  `}` +
          `${r.writesPerCommit === null ? '' : `${r.writesPerCommit} writes/commit  `}` +
          `${r.slowCommits === null ? '' : `${r.slowCommits} commits > 5 ms (longest ${r.longestCommitMs} ms)  `}` +
          `peak RSS ${r.peakRssMb} MB` +
          (r.settledRssAfterHostileMb === undefined
            ? ''
            : `  after the hostile round: RSS ${r.settledRssAfterHostileMb} MB (V8 heap ${r.settledHeapAfterHostileMb}, external ${r.settledExternalAfterHostileMb}` +
              (r.settledRssByMappingMb
                ? `; malloc heap ${r.settledRssByMappingMb.mallocHeap}, other anonymous ${r.settledRssByMappingMb.anonymous}, node binary ${r.settledRssByMappingMb.nodeBinary}`
                : '') +
              ')'),
      );
    } catch (error) {
      results[name] = { error: error.message };
      console.log(`${name.padEnd(9)} failed: ${error.message}`);
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
    `ratios    vs the durable floors of this run: SQLite ${ratios.sqliteVsFloor} (target ≥ ${TARGETS.sqliteVsFloor})  ` +
      `PostgreSQL ${ratios.postgresVsFloor} (≥ ${TARGETS.postgresVsFloor})  CPU/delivery SQLite ${ratios.sqliteCpuVsFloor} ` +
      `PostgreSQL ${ratios.postgresCpuVsFloor} (≤ ${TARGETS.cpuVsFloor})  p99 @${RATE}/s ${ratios.fixedRateP99VsFloor} ` +
      `(≤ ${TARGETS.fixedRateP99VsFloor})`,
  );
  if (requiredWork.requiredVsFloor !== null) {
    console.log(
      `required  the SQLite floor plus decode, validation, dedupe key and a log line (f''), of the floor: ` +
        `req/s ${requiredWork.requiredVsFloor}  CPU/delivery ${requiredWork.requiredCpuVsFloor}; ` +
        `the receiver of (f''): req/s ${requiredWork.sqliteVsRequired}  CPU/delivery ${requiredWork.sqliteCpuVsRequired}` +
        (requiredWork.fixedRateRequiredP99VsFloor === null
          ? ''
          : `; (f'') at ${RATE}/s, p99 of the floor's: ${requiredWork.fixedRateRequiredP99VsFloor}`),
    );
  }
  if (requiredWork.postgresRequiredVsFloor !== null) {
    console.log(
      `required  the PostgreSQL floor plus the same work (g''), of its floor: req/s ${requiredWork.postgresRequiredVsFloor}  ` +
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
      connections: CONNECTIONS,
      logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
      nodeFlags: startScriptNodeFlags(),
      nodeEnv: startScriptEnv(),
      rate: RATE,
      machine,
      results,
      vsCeiling,
      ratios,
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
