/**
 * The load side of the ingest benchmark (ingest-bench.mjs): the real-format order delivery, the two load
 * generators (autocannon's closed loop with `connections` senders, and an open loop at a steady rate), the
 * hostile round, the disk's fsync probe and PostgreSQL's CPU from /proc. A load returns what it measured
 * raw (seconds, answers, errors, each answer's latency in ms), so the driver can pool several rounds.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { round, SECRET } from './ingest-common.mjs';

const SHOP = 'demo';
const EVENT = 'order_confirm';
/** The hostile round: HOSTILE_ROUNDS × HOSTILE_REQUESTS undecodable bodies at the authentic URL. */
const HOSTILE_ROUNDS = Number(process.env.BENCH_HOSTILE_ROUNDS ?? 6);
const HOSTILE_REQUESTS = 1000;
/** How long the server is left alone after the hostile round before its RSS is read. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 10_000);

/** The captured delivery's Content-Type and body, split around the innerId so each request gets its own. */
export function deliveryTemplate() {
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

export function percentile(sorted, p) {
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
export async function loadAtFixedRate(port, { connections, duration, rate }) {
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
  return { seconds, ok: answered, errors, latencies: Array.from(latencies.subarray(0, answered)) };
}

export async function load(port, { connections, duration, overallRate }) {
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
  return {
    seconds: result.duration,
    ok: latencies.length,
    errors: result.errors + result.timeouts + result.non2xx,
    latencies,
  };
}

/**
 * fsync latency of the disk under `dir` right now: 1,000 appends of 8 KiB, each fsynced, paced 2 ms
 * apart like (d)'s commits. A durable commit cannot be faster than this, so its tail bounds (d)'s p99.
 */
export async function probeFsync(dir) {
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
export function ramDirectory() {
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
export function postgresCpuMicros() {
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

/**
 * Hostile load as the reliability suite's hostile scenario sends it (authentic URL, undecodable
 * bodies of a few bytes to 256 KB: broken JSON, wrong types, garbage), HOSTILE_ROUNDS rounds of
 * HOSTILE_REQUESTS over 20 connections; then the server is left alone for SETTLE_MS and its RSS read.
 */
export async function hostileRound(port, server) {
  const { default: autocannon } = await import('autocannon');
  const { signDeliveryPath } = await import('@srhooks/contracts');
  const bodies = [
    '{"orders":{"order":[{"innerId":"1","total":"lots"}]}}',
    `{"orders":{"order":[{"innerId":"2","comment":"${'ő'.repeat(100_000)}"`,
    Buffer.alloc(256 * 1024, 0xfe).toString('latin1'),
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
  ];
  let sequence = 0;
  for (let pass = 0; pass < HOSTILE_ROUNDS; pass++) {
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
