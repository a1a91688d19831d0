/**
 * Fills a receiver store with months of data for the large-store check (bench/scale-check.mjs): not part
 * of the test suite. Deliveries go in through the store's own ingest and quarantine (group commit, many
 * calls in flight); afterwards one set-based SQL pass gives the jobs the outcomes months of running would
 * have left (most succeeded with one attempt, some dead-lettered after 5, some waiting for a retry, a few
 * events held) and recomputes the events' status from them.
 *
 *   node bench/scale-fill.mjs sqlite /tmp/scale.db [deliveries]
 *   node bench/scale-fill.mjs postgres <schema> [deliveries]     (DATABASE_URL, default the local test db)
 *
 * Needs `pnpm --filter @srhooks/receiver build` first (imports dist/).
 */
import { dedupeKey, sampleOrder, sampleSubscriber } from '@srhooks/contracts';
import { DATABASE_URL } from './ingest-common.mjs';

const [engine, target, countArg] = process.argv.slice(2);
if ((engine !== 'sqlite' && engine !== 'postgres') || !target) {
  console.error('usage: node bench/scale-fill.mjs sqlite <file> | postgres <schema> [deliveries]');
  process.exit(2);
}
const DELIVERIES = Number(countArg ?? 180_000);
const DAYS = 180;
const NOW = Date.now();
const HANDLERS = ['erp', 'crm'];
/** Shops by share of the traffic: one big shop, a few middle ones, one that hardly sends anything. */
const SHOPS = [
  ['bigshop', 0.7],
  ['midshop', 0.15],
  ['smallshop', 0.1],
  ['othershop', 0.0497],
  ['rareshop', 0.0003],
];
const EVENTS = [
  ['order_confirm', 0.45],
  ['order_status_change', 0.35],
  ['abandoned_cart', 0.05],
  ['newsletter_subscribe', 0.1],
  ['newsletter_unsubscribe', 0.03],
  ['newsletter_update_subscriber', 0.02],
];

let state = 12345;
function random() {
  state = (state * 1103515245 + 12345) & 0x7fffffff;
  return state / 0x7fffffff;
}
function weighted(table) {
  let r = random();
  for (const [value, weight] of table) {
    r -= weight;
    if (r <= 0) return value;
  }
  return table[0][0];
}

const dist = new URL('../dist/store/create-store.js', import.meta.url);
const { createStore } = await import(dist.href);
const store =
  engine === 'sqlite'
    ? createStore({ kind: 'sqlite', file: target })
    : createStore({ kind: 'postgres', url: DATABASE_URL, schema: target, poolSize: 4 });
await store.migrate();

function itemFor(event, i) {
  if (event.startsWith('newsletter')) return { ...sampleSubscriber(i), id: String(900000 + (i % 40000)) };
  const order = sampleOrder(i);
  // Unique order numbers (a few reused below as duplicate deliveries).
  return { ...order, innerId: String(100000 + i) };
}

const started = Date.now();
let inFlight = 0;
let done = 0;
let quarantined = 0;
let recovered = 0;
let waiters = [];
const MAX_IN_FLIGHT = 400;
async function slot() {
  while (inFlight >= MAX_IN_FLIGHT) await new Promise((resolve) => waiters.push(resolve));
  inFlight += 1;
}
function release() {
  inFlight -= 1;
  const next = waiters;
  waiters = [];
  for (const resolve of next) resolve();
}

const failures = [];
for (let i = 0; i < DELIVERIES; i += 1) {
  const shop = weighted(SHOPS);
  const event = weighted(EVENTS);
  // Oldest first, spread evenly over DAYS days, up to about an hour ago.
  const receivedAt = new Date(
    NOW - 3_600_000 - Math.floor(((DELIVERIES - i) / DELIVERIES) * DAYS * 86_400_000),
  );
  const isRecovery = random() < 0.003;
  const delivery = {
    shop,
    event,
    receivedAt,
    remoteAddress: '203.0.113.7',
    headers: { 'content-type': 'multipart/form-data; boundary=x', 'user-agent': 'ShopRenter' },
    contentType: 'multipart/form-data; boundary=x',
    rawBody: Buffer.alloc(0),
    source: isRecovery ? 'recovery' : 'webhook',
  };
  await slot();
  let work;
  if (!isRecovery && random() < 0.015) {
    quarantined += 1;
    delivery.rawBody = Buffer.from(
      `--x\r\ncontent-disposition: form-data; name="data"\r\n\r\n{"orders":{broken ${i}\r\n--x--\r\n`,
    );
    work = store.quarantine(delivery, {
      code: 'invalid_json',
      message: `data: not JSON near "{broken ${i}"`,
    });
  } else {
    // 1 event mostly, 2-3 sometimes (a batch of orders in one delivery); every 20th repeats an earlier order.
    const n = random() < 0.1 ? 2 + Math.floor(random() * 2) : 1;
    const events = [];
    for (let k = 0; k < n; k += 1) {
      const seed = random() < 0.05 && i > 100 ? i - 1 - Math.floor(random() * 100) : i * 4 + k;
      const item = itemFor(event, seed);
      events.push({
        dedupeKey: dedupeKey(shop, event, item),
        subjectId: String(item.innerId ?? item.id),
        payload: item,
      });
    }
    const json = JSON.stringify({
      [event.startsWith('newsletter') ? 'newsletter' : 'orders']: events.map((e) => e.payload),
    });
    delivery.rawBody = Buffer.from(
      `--x\r\ncontent-disposition: form-data; name="data"\r\n\r\n${json}\r\n--x--\r\n`,
    );
    if (isRecovery) recovered += 1;
    work = store.ingest(delivery, events, HANDLERS);
  }
  work
    .catch((error) => failures.push(String(error)))
    .finally(() => {
      done += 1;
      release();
      if (done % 20_000 === 0)
        console.error(`${done} deliveries, ${Math.round((Date.now() - started) / 1000)} s`);
    });
}
while (inFlight > 0) await new Promise((resolve) => waiters.push(resolve));
const ingestSeconds = (Date.now() - started) / 1000;
await store.close();
if (failures.length > 0) console.error(`${failures.length} failed, first: ${failures[0]}`);

// Outcomes: set-based, straight in SQL (months of worker runs would take months).
const outcomeStarted = Date.now();
const DAY = 86_400_000;
if (engine === 'sqlite') {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(target);
  db.pragma('journal_mode = WAL');
  db.exec('BEGIN');
  // Jobs older than a day: succeeded after one attempt; one in ~70 events: its erp job dead after 5.
  db.prepare(
    `UPDATE jobs SET status = 'succeeded', attempts = 1, finished_at = run_at + 2000, updated_at = run_at + 2000, last_status_code = 200
     WHERE run_at < ?`,
  ).run(NOW - DAY);
  db.prepare(
    `UPDATE jobs SET status = 'dead', attempts = 5, failures = 5, finished_at = run_at + 7200000, updated_at = run_at + 7200000,
       last_status_code = 500, last_error = 'HTTP 500 from erp: upstream down'
     WHERE handler = 'erp' AND abs(random()) % 70 = 0`,
  ).run();
  db.prepare(
    `UPDATE jobs SET failures = 2, attempts = 2, run_at = ?, last_error = 'HTTP 503', last_status_code = 503
     WHERE status = 'pending' AND handler = 'crm' AND abs(random()) % 5 = 0`,
  ).run(NOW + 600_000);
  db.prepare(
    `INSERT INTO job_attempts (job_id, attempt, worker_id, started_at, finished_at, outcome, status_code, error)
     SELECT j.id, a.n, 'worker-1', j.run_at + a.n * 1000, j.run_at + a.n * 1000 + 300,
       CASE WHEN j.status = 'succeeded' THEN 'succeeded' WHEN a.n = j.attempts AND j.status = 'dead' THEN 'dead' ELSE 'failed' END,
       CASE WHEN j.status = 'succeeded' THEN 200 ELSE 500 END, CASE WHEN j.status = 'succeeded' THEN NULL ELSE 'HTTP 500' END
     FROM jobs j JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) a ON a.n <= j.attempts`,
  ).run();
  db.prepare(
    `UPDATE events SET held = 1, verification = 'mismatched', verification_detail = 'total differs'
     WHERE duplicate_of IS NULL AND abs(random()) % 2000 = 0`,
  ).run();
  db.exec(`UPDATE events SET status = CASE
    WHEN duplicate_of IS NOT NULL THEN 'duplicate'
    WHEN held = 1 THEN 'held'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id AND j.status = 'dead') THEN 'dead'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id AND j.status IN ('pending', 'running') AND j.failures > 0) THEN 'retrying'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id AND j.status IN ('pending', 'running')) THEN 'pending'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id) THEN 'succeeded'
    ELSE 'stored' END`);
  db.exec('COMMIT');
  db.exec('ANALYZE');
  db.close();
} else {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`SET search_path TO "${target}"`);
  await client.query('BEGIN');
  await client.query(
    `UPDATE jobs SET status = 'succeeded', attempts = 1, finished_at = run_at + interval '2 s', updated_at = run_at + interval '2 s', last_status_code = 200
     WHERE run_at < $1`,
    [new Date(NOW - DAY)],
  );
  await client.query(
    `UPDATE jobs SET status = 'dead', attempts = 5, failures = 5, finished_at = run_at + interval '2 h', updated_at = run_at + interval '2 h',
       last_status_code = 500, last_error = 'HTTP 500 from erp: upstream down'
     WHERE handler = 'erp' AND random() < 1.0 / 70`,
  );
  await client.query(
    `UPDATE jobs SET failures = 2, attempts = 2, run_at = $1, last_error = 'HTTP 503', last_status_code = 503
     WHERE status = 'pending' AND handler = 'crm' AND random() < 0.2`,
    [new Date(NOW + 600_000)],
  );
  await client.query(
    `INSERT INTO job_attempts (job_id, attempt, worker_id, started_at, finished_at, outcome, status_code, error)
     SELECT j.id, a.n, 'worker-1', j.run_at + a.n * interval '1 s', j.run_at + a.n * interval '1 s' + interval '300 ms',
       CASE WHEN j.status = 'succeeded' THEN 'succeeded' WHEN a.n = j.attempts AND j.status = 'dead' THEN 'dead' ELSE 'failed' END,
       CASE WHEN j.status = 'succeeded' THEN 200 ELSE 500 END, CASE WHEN j.status = 'succeeded' THEN NULL ELSE 'HTTP 500' END
     FROM jobs j JOIN generate_series(1, 5) AS a (n) ON a.n <= j.attempts`,
  );
  await client.query(
    `UPDATE events SET held = true, verification = 'mismatched', verification_detail = 'total differs'
     WHERE duplicate_of IS NULL AND random() < 1.0 / 2000`,
  );
  await client.query(`UPDATE events SET status = CASE
    WHEN duplicate_of IS NOT NULL THEN 'duplicate'
    WHEN held THEN 'held'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id AND j.status = 'dead') THEN 'dead'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id AND j.status IN ('pending', 'running') AND j.failures > 0) THEN 'retrying'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id AND j.status IN ('pending', 'running')) THEN 'pending'
    WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id) THEN 'succeeded'
    ELSE 'stored' END`);
  await client.query('COMMIT');
  await client.query('VACUUM ANALYZE deliveries');
  await client.query('VACUUM ANALYZE events');
  await client.query('VACUUM ANALYZE jobs');
  await client.query('VACUUM ANALYZE job_attempts');
  await client.end();
}
console.log(
  JSON.stringify({
    engine,
    deliveries: DELIVERIES,
    quarantined,
    recovered,
    failed: failures.length,
    ingestSeconds,
    outcomeSeconds: (Date.now() - outcomeStarted) / 1000,
  }),
);
