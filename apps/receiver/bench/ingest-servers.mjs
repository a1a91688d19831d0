#!/usr/bin/env node
/**
 * The servers of the ingest benchmark (ingest-bench.mjs), one per child process, forked as
 * `ingest-servers.mjs <variant>` with the `start` script's node flags. Variants: `ceiling` (the bare route),
 * `floor`, `floorMinimal`, `floorRequired` (SQLite durable floors), `floorPostgres`, `floorPostgresRequired`
 * (PostgreSQL durable floors), `sqlite`, `postgres` and the fixed-rate ones (the receiver). Over IPC the
 * server sends `{ port }` once it listens, answers `'rss'` with its measurements, and closes on `'stop'`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_URL, round, SECRET } from './ingest-common.mjs';

/**
 * The bare route every non-receiver server shares: fastify (logger off), the body as one raw Buffer, the
 * multipart `data` field sliced out as text; `handle(request, dataText)` answers.
 */
async function serveBareRoute(handle) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 2 * 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );
  app.post('/hooks/:shop/:event/:token', async (request) => {
    const body = request.body;
    const start = body.indexOf('\r\n\r\n') + 4;
    const end = body.lastIndexOf('\r\n--');
    return handle(request, body.toString('utf8', start, end));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

async function serveCeiling() {
  const app = await serveBareRoute(async (_request, text) => {
    const data = JSON.parse(text);
    return { ok: true, events: data.orders.order.length };
  });
  return { app, cleanup: async () => {} };
}

/**
 * (f) durable floor, a diagnostic: the ceiling's route plus the least any receiver must do to answer only
 * after a durable commit. The raw body and the `data` JSON go to a writer thread (floor-writer.mjs) that
 * appends one delivery row and one event row in the receiver's schema, group-committed with the receiver's
 * SQLite settings. No validation, no logs, no metrics: what durability alone costs on this machine.
 * `kind` 'floorMinimal' stores the raw body only (f'); 'floorRequired' (f'') adds what the issues require
 * of any receiver before it answers, each through the same library the receiver uses: the delivery decoded
 * and validated by the contracts codec (`decodeDelivery`: a 400 for an undecodable body needs it), the
 * dedupe key (`dedupeKey`: the answer counts duplicates), and one pino JSON line per delivery at info.
 */
async function serveFloor(kind) {
  const { Worker } = await import('node:worker_threads');
  const required = kind === 'floorRequired' ? await requiredWork() : null;
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-bench-floor-'));
  const worker = new Worker(new URL('./floor-writer.mjs', import.meta.url), {
    workerData: {
      file: join(dir, 'floor.db'),
      minimal: kind === 'floorMinimal',
      migrationsUrl: new URL('../dist/store/sqlite/sqlite-migrations.js', import.meta.url).href,
    },
  });
  const pending = new Map();
  let queue = [];
  let transfer = [];
  let nextId = 1;
  worker.on('message', (ids) => {
    for (const id of ids) {
      pending.get(id)();
      pending.delete(id);
    }
  });
  const flush = () => {
    worker.postMessage(queue, transfer);
    queue = [];
    transfer = [];
  };
  const app = await serveBareRoute(async (request, text) => {
    const body = request.body;
    const { shop, event } = request.params;
    const contentType = request.headers['content-type'];
    const innerId = required
      ? required.decode(shop, event, contentType, body)
      : JSON.parse(text).orders.order[0].innerId;
    const own = new ArrayBuffer(body.byteLength);
    body.copy(Buffer.from(own));
    const id = String(nextId++);
    if (queue.length === 0) setImmediate(flush);
    queue.push({ id, receivedAt: Date.now(), shop, event, contentType, innerId, body: own, data: text });
    transfer.push(own);
    await new Promise((resolve) => pending.set(id, resolve));
    required?.log.info(
      { deliveryId: id, shop, event, events: 1, duplicates: 0, statusCode: 200 },
      'delivery stored',
    );
    return { ok: true, deliveryId: id, events: 1, duplicates: 0 };
  });
  return {
    app,
    cleanup: async () => {
      await worker.terminate();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** (f'')'s required work: the contracts codec's decode and dedupe key, and a pino logger at info to /dev/null. */
async function requiredWork() {
  const { decodeDelivery, dedupeKey } = await import('@srhooks/contracts');
  const { pino } = await import('pino');
  const log = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  return {
    log,
    decode(shop, event, contentType, body) {
      const decoded = decodeDelivery({ event, contentType, body });
      const order = decoded.orders[0];
      dedupeKey(shop, event, order);
      return order.innerId;
    },
  };
}

/**
 * (g) durable floor on PostgreSQL, a diagnostic like (f): the ceiling's route plus one multi-row statement
 * per event-loop turn that appends the turn's delivery and event rows to the receiver's PostgreSQL schema
 * (its migrations), committed before each answer. No validation, logs or metrics.
 */
async function serveFloorPostgres(kind) {
  const required = kind === 'floorPostgresRequired' ? await requiredWork() : null;
  const { default: pg } = await import('pg');
  const { applyPgMigrations } = await import(
    new URL('../dist/store/postgres/pg-migrations.js', import.meta.url).href
  );
  const schema = `bench_floor_${process.pid}`;
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10, options: `-c search_path=${schema}` });
  const setup = await pool.connect();
  await applyPgMigrations(setup, schema);
  setup.release();
  // One statement per turn, a parameter per value (pg sends Buffers as binary, no hex encoding).
  const insertFor = (count) => {
    const deliveries = [];
    const events = [];
    for (let i = 0; i < count; i++) {
      const p = i * 7;
      deliveries.push(
        `($${p + 1}, now(), $${p + 2}, $${p + 3}, '127.0.0.1', '{}', $${p + 4}, $${p + 5}, 'stored')`,
      );
      events.push(
        `('e' || $${p + 1}, $${p + 1}, $${p + 2}, $${p + 3}, now(), $${p + 2} || ':' || $${p + 3} || ':' || $${p + 6}, $${p + 6}, $${p + 7}::json, '', 'stored')`,
      );
    }
    return `WITH d AS (INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status)
      VALUES ${deliveries.join(', ')})
      INSERT INTO events (id, delivery_id, shop, event, received_at, dedupe_key, subject_id, payload, search_text, status)
      VALUES ${events.join(', ')}`;
  };
  let batch = [];
  let nextId = 1;
  const flush = () => {
    const calls = batch;
    batch = [];
    const values = [];
    for (const call of calls) {
      values.push(call.id, call.shop, call.event, call.contentType, call.body, call.innerId, call.data);
    }
    pool.query(insertFor(calls.length), values).then(
      () => {
        for (const call of calls) call.resolve();
      },
      (error) => {
        for (const call of calls) call.reject(error);
      },
    );
  };
  const app = await serveBareRoute(async (request, text) => {
    const body = request.body;
    const { shop, event } = request.params;
    const contentType = request.headers['content-type'];
    const innerId = required
      ? required.decode(shop, event, contentType, body)
      : JSON.parse(text).orders.order[0].innerId;
    const id = String(nextId++);
    if (batch.length === 0) setImmediate(flush);
    await new Promise((resolve, reject) =>
      batch.push({
        id,
        shop,
        event,
        contentType,
        innerId: String(innerId),
        body,
        data: text,
        resolve,
        reject,
      }),
    );
    required?.log.info(
      { deliveryId: id, shop, event, events: 1, duplicates: 0, statusCode: 200 },
      'delivery stored',
    );
    return { ok: true, deliveryId: id, events: 1, duplicates: 0 };
  });
  return {
    app,
    cleanup: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}

async function serveReceiver(kind) {
  const dist = new URL('../dist/index.js', import.meta.url);
  if (!existsSync(dist)) throw new Error('dist/ missing: run `pnpm --filter @srhooks/receiver build` first');
  const { buildReceiver, defineReceiverConfig } = await import(dist.href);
  const { pino } = await import('pino');
  const dir = mkdtempSync(join(process.env.BENCH_SERVER_DB_DIR ?? tmpdir(), 'srhooks-bench-'));
  const schema = `bench_${process.pid}`;
  const config = defineReceiverConfig({
    secrets: [SECRET],
    port: 0,
    host: '127.0.0.1',
    // info is the production level: one line per delivery. The ceiling logs nothing: it is the bare
    // route the issue defines, so the ratios include what the receiver's logging costs.
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
    db: join(dir, 'bench.db'),
    ...(kind === 'postgres' ? { databaseUrl: DATABASE_URL, databaseSchema: schema } : {}),
  });
  // Production log level, written to /dev/null: the cost of logging is measured, not the terminal.
  const app = await buildReceiver(config, {
    logDestination: pino.destination({ dest: '/dev/null', sync: false }),
    // BENCH_MEMORY_TRIM=off (diagnostic): no memory trimmer, to see what it costs between bursts.
    ...(process.env.BENCH_MEMORY_TRIM === 'off' ? { memoryTrim: { binding: null } } : {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const cleanup = async () => {
    rmSync(dir, { recursive: true, force: true });
    if (kind === 'postgres') {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  };
  return { app, cleanup };
}

/**
 * CPU time (user + system) of the main thread alone, the one answering HTTP (Linux: its /proc stat, in
 * clock ticks of 10 ms); null elsewhere. The rest of the process's CPU is its other threads: the SQLite
 * writer, libuv's pool (log writes), V8's garbage-collector helpers.
 */
function mainThreadCpuMicros() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return null;
  }
}

/**
 * The process's resident memory by kind of mapping, from /proc/self/smaps (MB), or null where there is
 * none: `mallocHeap` is glibc's main arena ([heap], grown by brk: native allocations below the mmap
 * threshold), `anonymous` every other anonymous mapping (V8's heap pages, thread arenas, large native
 * allocations), `nodeBinary` the node executable's pages. Says where RSS sits that the JS heap does not explain.
 */
function rssByMapping() {
  let text;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return null;
  }
  const kb = { mallocHeap: 0, anonymous: 0, nodeBinary: 0, other: 0 };
  let kind = 'other';
  for (const line of text.split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const name = mapping[1];
      kind =
        name === '[heap]'
          ? 'mallocHeap'
          : name === ''
            ? 'anonymous'
            : name === process.execPath
              ? 'nodeBinary'
              : 'other';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kb[kind] += Number(rss[1]);
  }
  return Object.fromEntries(Object.entries(kb).map(([key, value]) => [key, round(value / 1024, 1)]));
}

/**
 * BENCH_ALLOC_PROF (a directory): the server samples its heap allocations from start to stop and writes
 * them there as `<variant>.heapprofile`, counting only objects that survived a scavenge (what the young
 * generation promotes: the allocations that cost old-generation collections).
 */
async function startAllocationSampling() {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.BENCH_ALLOC_PROF_ALL === '1',
  });
  return async (variant) => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(process.env.BENCH_ALLOC_PROF, `${variant}.heapprofile`), JSON.stringify(profile));
  };
}

async function serve(variant) {
  const stopSampling = process.env.BENCH_ALLOC_PROF ? await startAllocationSampling() : null;
  const { app, cleanup } =
    variant === 'ceiling'
      ? await serveCeiling()
      : variant.startsWith('floorPostgres')
        ? await serveFloorPostgres(variant)
        : variant.startsWith('floor')
          ? await serveFloor(variant)
          : await serveReceiver(variant);
  process.on('message', async (message) => {
    if (message === 'rss') {
      const cpu = process.cpuUsage();
      const loop = performance.eventLoopUtilization();
      const memory = process.memoryUsage();
      process.send({
        // Time the main thread's event loop was busy (ms), the thread that answers HTTP requests.
        loopActiveMs: loop.active,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
        rssMb: memory.rss / 2 ** 20,
        // Where the RSS is: V8's heap (committed), and memory outside it (Buffers, ArrayBuffers).
        heapTotalMb: memory.heapTotal / 2 ** 20,
        externalMb: memory.external / 2 ** 20,
        byMapping: rssByMapping(),
        // All threads of the process (the SQLite writer thread included).
        cpuMicros: cpu.user + cpu.system,
        mainThreadCpuMicros: mainThreadCpuMicros(),
        // Write transactions and the writes they carried (group commit), when the server has a store.
        store: app.store?.stats() ?? null,
      });
    } else if (message === 'stop') {
      await stopSampling?.(variant);
      await app.close();
      await cleanup();
      process.exit(0);
    }
  });
  process.send({ port: app.server.address().port });
}

serve(process.argv[2]).catch((error) => {
  console.error(error);
  process.exit(1);
});
