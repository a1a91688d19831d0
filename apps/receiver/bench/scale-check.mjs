/**
 * Outside-in check of a large store (filled by bench/scale-fill.mjs): the built receiver answers the
 * admin API, the inspector and /metrics through app.inject; each call's wall time and heap growth are
 * printed, and the list queries' plans (SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN ANALYZE). Not part
 * of the test suite. Writes (dead-letter replay, prune) only with `--writes` (they change the store).
 *
 *   node bench/scale-check.mjs sqlite /tmp/scale.db [--writes]
 *   node bench/scale-check.mjs postgres <schema> [--writes]
 */
import { DATABASE_URL } from './ingest-common.mjs';

const [engine, target, ...flags] = process.argv.slice(2);
const writes = flags.includes('--writes');
const plansOnly = flags.includes('--plans');
const TOKEN = 'admin-token-0123456789abcdef';
const HANDLERS = ['erp', 'crm'];
const SHOPS = ['bigshop', 'midshop', 'smallshop', 'othershop', 'rareshop'];

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
const { buildReceiver, defineReceiverConfig } = await import(dist('index.js'));
const { deliveryListQuery, eventListQuery, deadLetterQuery, deadLetterCountQuery } = await import(
  dist('store/list-query.js')
);
const rowMapping = await import(dist('store/row-mapping.js'));

const config = defineReceiverConfig({
  secrets: ['scale-secret-0123456789abcdef'],
  ...(engine === 'sqlite' ? { db: target } : { databaseUrl: DATABASE_URL, databaseSchema: target }),
  adminToken: TOKEN,
  adminMaxFailures: 0,
  port: 0,
  logLevel: 'warn',
  shops: SHOPS.map((name) => ({ name, handlers: HANDLERS })),
  handlers: { erp: { type: 'log' }, crm: { type: 'log' } },
});
const app = await buildReceiver(config, { defaultMetrics: false, processing: { enabled: false } });
await app.ready();

// --- plans --------------------------------------------------------------------------------------
let explain;
let closeExplain = async () => {};
if (engine === 'sqlite') {
  const { default: Database } = await import('better-sqlite3');
  const { dialect } = await import(dist('store/sqlite/sqlite-connection.js'));
  const db = new Database(target, { readonly: true });
  explain = async (query) => ({
    plan: db
      .prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .all(...query.values)
      .map((row) => row.detail)
      .join(' / '),
  });
  explain.dialect = dialect;
  closeExplain = async () => db.close();
} else {
  const { default: pg } = await import('pg');
  const { dialect } = await import(dist('store/postgres/pg-connection.js'));
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`SET search_path TO "${target}"`);
  explain = async (query) => {
    const rows = (await client.query(`EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) ${query.sql}`, query.values))
      .rows;
    return { plan: rows.map((row) => row['QUERY PLAN'].trim()).join(' / ') };
  };
  explain.dialect = dialect;
  closeExplain = () => client.end();
}

// --- the calls ----------------------------------------------------------------------------------
const results = [];
async function call(name, method, url, payload) {
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const response = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TOKEN}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
    ...(payload ? { payload: JSON.stringify(payload) } : {}),
  });
  const ms = performance.now() - started;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  const line = {
    name,
    status: response.statusCode,
    ms: Math.round(ms),
    bytes: response.body.length,
    heapMb: Math.round(heapMb),
  };
  results.push(line);
  console.log(JSON.stringify(line));
  return response;
}

// Names, order numbers, e-mail and phone of real stored events, to search for.
const sample = JSON.parse(
  (
    await app.inject({
      url: '/admin/api/events?shop=midshop&event=order_confirm&limit=1',
      headers: { authorization: `Bearer ${TOKEN}` },
    })
  ).body,
).items[0];
const detail = JSON.parse(
  (await app.inject({ url: `/admin/api/events/${sample.id}`, headers: { authorization: `Bearer ${TOKEN}` } }))
    .body,
).event;
const [family, given] = String(sample.customerName).split(' ');
const email = detail.payload.email;
const phone = detail.payload.phone;
console.log(JSON.stringify({ searchFor: { family, given, order: sample.orderNumber, email, phone } }));
const ninetyDaysAgo = new Date(Date.now() - 90 * 86_400_000);
const dayWindow = { from: ninetyDaysAgo, to: new Date(ninetyDaysAgo.getTime() + 86_400_000) };

const deliveryCases = [
  ['all', {}],
  ['shop=bigshop', { shop: 'bigshop' }],
  ['shop=rareshop', { shop: 'rareshop' }],
  ['event=abandoned_cart', { event: 'abandoned_cart' }],
  ['shop=rareshop&event=order_confirm', { shop: 'rareshop', event: 'order_confirm' }],
  ['status=quarantined', { status: 'quarantined' }],
  ['status=reprocessed', { status: 'reprocessed' }],
  ['eventStatus=dead', { eventStatus: 'dead' }],
  ['eventStatus=held', { eventStatus: 'held' }],
  ['eventStatus=retrying', { eventStatus: 'retrying' }],
  ['eventStatus=duplicate', { eventStatus: 'duplicate' }],
  ['source=recovery', { source: 'recovery' }],
  ['from..to one day 90d ago', dayWindow],
  ['q=family given', { q: `${family} ${given}` }],
  ['q=given family', { q: `${given} ${family}` }],
  ['q=order number', { q: sample.orderNumber }],
  ['q=e-mail', { q: email }],
  ['q=phone', { q: phone }],
  ['q=nomatch', { q: 'zzqxnomatch' }],
  ['shop=rareshop&q=family', { shop: 'rareshop', q: family }],
];
const eventCases = [
  ['all', {}],
  ['shop=bigshop', { shop: 'bigshop' }],
  ['shop=rareshop', { shop: 'rareshop' }],
  ['event=abandoned_cart', { event: 'abandoned_cart' }],
  ['status=dead', { status: 'dead' }],
  ['status=held', { status: 'held' }],
  ['status=retrying', { status: 'retrying' }],
  ['status=pending', { status: 'pending' }],
  ['source=recovery', { source: 'recovery' }],
  ['deliveryId', { deliveryId: sample.deliveryId }],
  ['from..to one day 90d ago', dayWindow],
  ['q=family given', { q: `${family} ${given}` }],
  ['q=given family', { q: `${given} ${family}` }],
  ['q=order number', { q: sample.orderNumber }],
  ['q=e-mail', { q: email }],
  ['q=phone', { q: phone }],
  ['q=nomatch', { q: 'zzqxnomatch' }],
];

function search(filter) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  return params.toString();
}

const deliveryColumns = `${rowMapping.DELIVERY_SUMMARY_COLUMNS}, length(d.raw_body) AS body_bytes`;
async function plan(name, query) {
  const { plan } = await explain(query);
  console.log(JSON.stringify({ plan: name, detail: plan.slice(0, 1200) }));
}

for (const [name, filter] of deliveryCases) {
  await plan(`deliveries ${name}`, deliveryListQuery(deliveryColumns, filter, explain.dialect));
  if (!plansOnly) await call(`GET deliveries ${name}`, 'GET', `/admin/api/deliveries?${search(filter)}`);
}
for (const [name, filter] of eventCases) {
  await plan(`events ${name}`, eventListQuery(rowMapping.EVENT_SUMMARY_COLUMNS, filter, explain.dialect));
  if (!plansOnly) await call(`GET events ${name}`, 'GET', `/admin/api/events?${search(filter)}`);
}
await plan('dead letters', deadLetterQuery(rowMapping.JOB_COLUMNS, {}, explain.dialect));
await plan(
  'dead letters handler=erp',
  deadLetterQuery(rowMapping.JOB_COLUMNS, { handler: 'erp' }, explain.dialect),
);
await plan('dead letter count', deadLetterCountQuery({}, explain.dialect));

if (plansOnly) {
  await closeExplain();
  await app.close();
  process.exit(0);
}

// Deep paging: 40 pages of 500 with the cursor, and a cursor in the middle of the store.
{
  let cursor;
  const started = performance.now();
  let slowest = 0;
  for (let page = 0; page < 40; page += 1) {
    const t = performance.now();
    const response = await app.inject({
      url: `/admin/api/events?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    slowest = Math.max(slowest, performance.now() - t);
    cursor = JSON.parse(response.body).nextCursor;
  }
  console.log(
    JSON.stringify({
      name: 'events 40 pages of 500 by cursor',
      ms: Math.round(performance.now() - started),
      slowestPageMs: Math.round(slowest),
    }),
  );
  cursor = undefined;
  for (let page = 0; page < 40; page += 1) {
    const response = await app.inject({
      url: `/admin/api/deliveries?limit=500&eventStatus=dead${cursor ? `&cursor=${cursor}` : ''}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    cursor = JSON.parse(response.body).nextCursor;
    if (!cursor) break;
  }
}
const middle = JSON.parse(
  (await call('GET events window 90d ago', 'GET', `/admin/api/events?${search(dayWindow)}&limit=1`)).body,
).items[0];
await call('GET events cursor in the middle', 'GET', `/admin/api/events?cursor=${middle.id}`);
await call(
  'GET deliveries cursor in the middle',
  'GET',
  `/admin/api/deliveries?cursor=${middle.deliveryId.replace('evt_', 'dlv_')}`,
);
await call(
  'GET deliveries eventStatus=dead cursor in the middle',
  'GET',
  `/admin/api/deliveries?eventStatus=dead&cursor=${middle.deliveryId}`,
);
await call('GET delivery detail', 'GET', `/admin/api/deliveries/${sample.deliveryId}`);
await call('GET event detail', 'GET', `/admin/api/events/${sample.id}`);
await call('GET dead-letters (default limit)', 'GET', '/admin/api/dead-letters');
await call('GET dead-letters limit=200', 'GET', '/admin/api/dead-letters?limit=200');
await call(
  'GET dead-letters handler=erp window',
  'GET',
  `/admin/api/dead-letters?handler=erp&${search(dayWindow)}`,
);
await call('GET dead-letters handler=crm (none)', 'GET', '/admin/api/dead-letters?handler=crm');
await call('GET shops', 'GET', '/admin/api/shops');
await call('GET handlers', 'GET', '/admin/api/handlers');
await call('GET /metrics', 'GET', '/metrics');
await call('GET /ui', 'GET', '/ui');
await call('GET /ui status=dead', 'GET', '/ui?status=dead');
await call('GET /ui status=held', 'GET', '/ui?status=held');
await call('GET /ui status=quarantined', 'GET', '/ui?status=quarantined');
await call('GET /ui shop=rareshop', 'GET', '/ui?shop=rareshop');
await call('GET /ui source=recovery', 'GET', '/ui?source=recovery');
await call('GET /ui q=given family', 'GET', `/ui?${search({ q: `${given} ${family}` })}`);
await call('GET /ui q=nomatch', 'GET', '/ui?q=zzqxnomatch');
await call('GET /ui cursor in the middle', 'GET', `/ui?cursor=${middle.deliveryId}`);
await call('GET /ui/deliveries/:id', 'GET', `/ui/deliveries/${sample.deliveryId}`);
await call('GET /ui/dead-letters', 'GET', '/ui/dead-letters');
await call('GET /ui/dead-letters handler=erp', 'GET', '/ui/dead-letters?handler=erp');

if (writes) {
  await call('POST prune dryRun 90d', 'POST', '/admin/api/prune', { olderThanDays: 90, dryRun: true });
  await call('POST dead-letters/replay (all)', 'POST', '/admin/api/dead-letters/replay', {});
  await call('GET /metrics after replay', 'GET', '/metrics');
  await call('POST prune 150d', 'POST', '/admin/api/prune', { olderThanDays: 150 });
  await call('POST prune 150d again (nothing left)', 'POST', '/admin/api/prune', { olderThanDays: 150 });
}
console.log(JSON.stringify({ rssMb: Math.round(process.memoryUsage().rss / 1e6) }));
await closeExplain();
await app.close();
