#!/usr/bin/env node
/**
 * Handling benchmark (issue 18): does the job worker keep up with ingest, and how fast does a backlog
 * drain? The receiver (SQLite) runs in a child process with the node flags of its `start` script;
 * autocannon drives it from this process with real-format order deliveries (a new innerId per request).
 *
 *   (a) ingestOnly: the receiver with a `forward` handler configured but no worker (jobs are written to
 *                   the outbox, nothing runs them): the ingest rate alone, the reference of this run.
 *   (b) forward:    the same with the worker on, `forward` to a local fast target (a bare node:http
 *                   server in this process answering 204).
 *   (c) nats:       the same with a `nats` handler to the machine's NATS JetStream (127.0.0.1:4222; a
 *                   stream of this run, removed afterwards), waiting for each PubAck.
 *   For (b) and (c): handled/s = jobs succeeded while the load ran ÷ its duration; handledOfIngested =
 *   handled/s ÷ ingested/s of the same run (target ≥ 0.8: the worker keeps up with what arrives);
 *   handledOfIngestAlone = handled/s ÷ (a)'s rate; drainAfterLoadMs = how long the rest took.
 *   (d) backlog:    50,000 pending `forward` jobs (seeded through the store: 500 deliveries × 100 orders),
 *                   then the worker starts: events/s until every job succeeded (target ≥ 1,000).
 *   (e) backlogNats: (d) with the `nats` handler (the store and worker without HTTP).
 *   Floor, first and last (the machine is shared, the disk's speed varies): commitFloor = bare SQLite
 *   commits/s on this disk (one small row per transaction, WAL, synchronous=FULL, as the store's file).
 *   Every job needs two durable writes (claim, outcome) and every delivery one; the runs report their
 *   commits/s and writes per commit, so their rates can be read against this floor.
 *
 * Prints one line per run and, last, one JSON line. Needs `pnpm --filter @srhooks/receiver build`.
 * Env: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 20), BENCH_BACKLOG (default 50000),
 * BENCH_ONLY (comma-separated run names), BENCH_NATS_URL (default nats://127.0.0.1:4222), BENCH_CPU_PROF (a directory: the receiver writes its CPU profiles there).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deliveryTemplate } from './ingest-load.mjs';
import { startScriptNodeFlags } from './start-script-flags.mjs';

const SECRET = 'bench-secret-0123456789abcdef';
const FORWARD_SECRET = `whsec_${Buffer.from('bench-forward-secret-0123456789ab').toString('base64')}`;
const SHOP = 'demo';
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 50_000);
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const TARGETS = { handledOfIngested: 0.8, backlogEventsPerSecond: 1000 };
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);

// ---------------------------------------------------------------------------------------------
// Child: the receiver
// ---------------------------------------------------------------------------------------------

function handlerConfig(kind, options) {
  if (kind === 'nats') {
    return {
      type: 'nats',
      servers: NATS_URL,
      subject: `${options.stream}.{shop}.{event}`,
      ensureStream: { name: options.stream },
      concurrency: 32,
    };
  }
  return {
    type: 'forward',
    url: `http://127.0.0.1:${options.targetPort}/hooks`,
    secret: FORWARD_SECRET,
    allowPrivateTargets: true,
    concurrency: 32,
  };
}

async function serve(variant, options) {
  const dist = new URL('../dist/index.js', import.meta.url);
  if (!existsSync(dist)) throw new Error('dist/ missing: run `pnpm --filter @srhooks/receiver build` first');
  const { buildReceiver, defineReceiverConfig, createJobWorker } = await import(dist.href);
  const { pino } = await import('pino');
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-bench-handling-'));
  const handlerKind = variant === 'nats' || variant === 'backlogNats' ? 'nats' : 'forward';
  const config = defineReceiverConfig({
    secrets: [SECRET],
    port: 0,
    host: '127.0.0.1',
    logLevel: 'info',
    db: join(dir, 'bench.db'),
    shops: [{ name: SHOP, handlers: ['out'] }],
    handlers: { out: handlerConfig(handlerKind, options) },
  });
  const logger = pino.destination({ dest: '/dev/null', sync: false });
  const workerOn = variant === 'forward' || variant === 'nats';
  const app = await buildReceiver(config, {
    logDestination: logger,
    processing: workerOn ? { pollIntervalMs: 1000 } : { enabled: false },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  let worker = null;
  process.on('message', async (message) => {
    if (message === 'jobs') {
      process.send(await app.store.countJobs());
    } else if (message === 'stats') {
      process.send(app.store.stats());
    } else if (message === 'seed') {
      process.send({ seeded: await seedBacklog(app.store, BACKLOG) });
    } else if (message === 'startWorker') {
      worker = createJobWorker({
        config,
        store: app.store,
        logger: pino({ level: 'silent' }),
        pollIntervalMs: 1000,
      });
      worker.start();
      process.send({ started: true });
    } else if (message === 'stop') {
      await worker?.stop();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  });
  process.send({ port: app.server.address().port });
}

/** `count` pending jobs of handler `out`: deliveries of 100 sample orders each, straight into the store. */
async function seedBacklog(store, count) {
  const { dedupeKey, sampleOrder } = await import('@srhooks/contracts');
  const perDelivery = 100;
  let seeded = 0;
  for (let first = 1; seeded < count; first += perDelivery) {
    const orders = Array.from({ length: Math.min(perDelivery, count - seeded) }, (_, i) => ({
      ...sampleOrder(first + i),
      innerId: String(first + i),
    }));
    await store.ingest(
      {
        shop: SHOP,
        event: 'order_confirm',
        receivedAt: new Date(),
        remoteAddress: '127.0.0.1',
        headers: {},
        contentType: 'application/json',
        rawBody: Buffer.from(JSON.stringify({ orders: { order: orders } })),
      },
      orders.map((order) => ({
        dedupeKey: dedupeKey(SHOP, 'order_confirm', order),
        subjectId: order.innerId,
        payload: order,
      })),
      ['out'],
    );
    seeded += orders.length;
  }
  return seeded;
}

// ---------------------------------------------------------------------------------------------
// Parent
// ---------------------------------------------------------------------------------------------

function startServer(variant, options) {
  const child = fork(fileURLToPath(import.meta.url), ['serve', variant, JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [
      ...startScriptNodeFlags(),
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
  });
  const ask = (message) =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`${variant} server exited with code ${code}`));
      child.once('exit', onExit);
      child.once('message', (answer) => {
        child.off('exit', onExit);
        resolve(answer);
      });
      if (message !== null) child.send(message);
    });
  return {
    ready: ask(null),
    ask,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.send('stop');
      }),
  };
}

/** A fast local webhook target: reads the body, answers 204. */
async function startTarget() {
  let received = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      response.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    get received() {
      return received;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

let sequenceBase = 1_000_000;
async function load(port) {
  const { default: autocannon } = await import('autocannon');
  const { signDeliveryPath } = await import('@srhooks/contracts');
  const { contentType, before, after } = deliveryTemplate();
  let sequence = 0;
  let ok = 0;
  const instance = autocannon({
    url: `http://127.0.0.1:${port}${signDeliveryPath({ shop: SHOP, event: 'order_confirm' }, SECRET)}`,
    method: 'POST',
    headers: { 'content-type': contentType, 'user-agent': 'ShopRenter' },
    requests: [
      { setupRequest: (request) => ({ ...request, body: `${before}${++sequence + sequenceBase}${after}` }) },
    ],
    connections: CONNECTIONS,
    duration: DURATION,
  });
  instance.on('response', (_client, statusCode) => {
    if (statusCode === 200) ok += 1;
  });
  const result = await instance;
  sequenceBase += sequence;
  return { ingested: ok, seconds: result.duration, errors: result.errors + result.timeouts + result.non2xx };
}

async function natsStream() {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const name = `srh_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  return {
    name,
    async remove() {
      const nc = await connect({ servers: NATS_URL });
      const jsm = await jetstreamManager(nc);
      const count = (await jsm.streams.info(name).catch(() => null))?.state.messages ?? 0;
      await jsm.streams.delete(name).catch(() => false);
      await nc.close();
      return count;
    },
  };
}

async function waitForSucceeded(server, total, timeoutMs) {
  const started = performance.now();
  for (;;) {
    const jobs = await server.ask('jobs');
    if (jobs.succeeded >= total) return performance.now() - started;
    if (performance.now() - started > timeoutMs) return null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function runEndToEnd(variant, options, ingestAlone) {
  const server = startServer(variant, options);
  const { port } = await server.ready;
  const result = await load(port);
  const atLoadEnd = await server.ask('jobs');
  const stats = await server.ask('stats');
  const drainMs = await waitForSucceeded(server, result.ingested, 120_000);
  await server.stop();
  const ingestedPerSecond = result.ingested / result.seconds;
  const handledPerSecond = atLoadEnd.succeeded / result.seconds;
  return {
    ingestedPerSecond: Math.round(ingestedPerSecond),
    handledPerSecond: Math.round(handledPerSecond),
    handledOfIngested: round(handledPerSecond / ingestedPerSecond),
    handledOfIngestAlone: ingestAlone ? round(handledPerSecond / ingestAlone) : null,
    drainAfterLoadMs: drainMs === null ? null : Math.round(drainMs),
    errors: result.errors,
    commitsPerSecond: Math.round(stats.commits / result.seconds),
    writesPerCommit: round(stats.items / Math.max(1, stats.commits)),
  };
}

function round(value) {
  return Math.round(value * 100) / 100;
}

/** Bare durable commits per second on this disk: one small row per transaction, for `ms`. */
async function commitFloor(ms = 2000) {
  const { default: Database } = await import('better-sqlite3');
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-bench-commit-floor-'));
  try {
    const db = new Database(join(dir, 'floor.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    let commits = 0;
    const started = performance.now();
    while (performance.now() - started < ms) {
      insert.run('x'.repeat(64));
      commits += 1;
    }
    const perSecond = commits / ((performance.now() - started) / 1000);
    db.close();
    return Math.round(perSecond);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const wanted = (name) => ONLY.length === 0 || ONLY.includes(name);
  const target = await startTarget();
  const results = {};
  results.commitFloorBefore = await commitFloor();
  console.error(`commitFloorBefore: ${results.commitFloorBefore} commits/s`);
  try {
    let ingestAlone = null;
    if (wanted('ingestOnly')) {
      const server = startServer('ingestOnly', { targetPort: target.port });
      const { port } = await server.ready;
      const result = await load(port);
      await server.stop();
      ingestAlone = result.ingested / result.seconds;
      results.ingestOnly = { ingestedPerSecond: Math.round(ingestAlone), errors: result.errors };
      console.error(`ingestOnly: ${results.ingestOnly.ingestedPerSecond} deliveries/s`);
    }
    if (wanted('forward')) {
      results.forward = await runEndToEnd('forward', { targetPort: target.port }, ingestAlone);
      console.error(`forward: ${JSON.stringify(results.forward)}`);
    }
    if (wanted('nats')) {
      const stream = await natsStream();
      try {
        results.nats = await runEndToEnd('nats', { stream: stream.name }, ingestAlone);
      } finally {
        results.nats = { ...(results.nats ?? {}), messagesInStream: await stream.remove() };
      }
      console.error(`nats: ${JSON.stringify(results.nats)}`);
    }
    for (const variant of ['backlog', 'backlogNats']) {
      if (!wanted(variant)) continue;
      const stream = variant === 'backlogNats' ? await natsStream() : null;
      const server = startServer(variant, {
        targetPort: target.port,
        ...(stream ? { stream: stream.name } : {}),
      });
      await server.ready;
      const { seeded } = await server.ask('seed');
      const started = performance.now();
      await server.ask('startWorker');
      const drained = (await waitForSucceeded(server, seeded, 600_000)) !== null;
      const elapsedMs = performance.now() - started;
      await server.stop();
      results[variant] = {
        jobs: seeded,
        drainMs: drained ? Math.round(elapsedMs) : null,
        eventsPerSecond: drained ? Math.round(seeded / (elapsedMs / 1000)) : 0,
        ...(stream ? { messagesInStream: await stream.remove() } : {}),
      };
      console.error(`${variant}: ${JSON.stringify(results[variant])}`);
    }
  } finally {
    await target.close();
  }
  results.commitFloorAfter = await commitFloor();
  console.error(`commitFloorAfter: ${results.commitFloorAfter} commits/s`);
  const verdicts = {
    forwardKeepsUp: results.forward ? results.forward.handledOfIngested >= TARGETS.handledOfIngested : null,
    natsKeepsUp: results.nats ? results.nats.handledOfIngested >= TARGETS.handledOfIngested : null,
    backlogFastEnough: results.backlog
      ? results.backlog.eventsPerSecond >= TARGETS.backlogEventsPerSecond
      : null,
    backlogNatsFastEnough: results.backlogNats
      ? results.backlogNats.eventsPerSecond >= TARGETS.backlogEventsPerSecond
      : null,
  };
  console.log(
    JSON.stringify({
      benchmark: 'receiver-handling',
      durationSeconds: DURATION,
      connections: CONNECTIONS,
      targets: TARGETS,
      ...results,
      verdicts,
    }),
  );
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3], JSON.parse(process.argv[4] ?? '{}'));
} else {
  await main();
}
