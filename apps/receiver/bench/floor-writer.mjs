/**
 * Writer thread of the bench's "floor" server (see ingest-bench.mjs): the least a receiver must do to
 * answer only after a durable commit. It appends each delivery and its one event to the receiver's own
 * schema (same SQLite file settings: WAL, synchronous=FULL) and commits everything that arrived while the
 * previous commit ran in one transaction (group commit), then answers the calls it held.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, migrationsUrl, minimal } = workerData;
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('cache_size = -4096');
let store;
if (minimal) {
  // One append-only table, the raw body only: the least a durable store can write.
  db.exec('CREATE TABLE deliveries (id INTEGER PRIMARY KEY, raw_body BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO deliveries (raw_body) VALUES (?)');
  store = (call) => insert.run(Buffer.from(call.body));
} else {
  const { applySqliteMigrations } = await import(migrationsUrl);
  applySqliteMigrations(db);
  const insertDelivery = db.prepare(`INSERT INTO deliveries (id, received_at, shop, event, remote_address,
    headers, content_type, raw_body, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'stored')`);
  const insertEvent = db.prepare(`INSERT INTO events (id, delivery_id, shop, event, received_at, dedupe_key,
    subject_id, payload, search_text, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 'stored')`);
  store = (call) => {
    insertDelivery.run(
      call.id,
      call.receivedAt,
      call.shop,
      call.event,
      '127.0.0.1',
      '{}',
      call.contentType,
      Buffer.from(call.body),
    );
    insertEvent.run(
      `e${call.id}`,
      call.id,
      call.shop,
      call.event,
      call.receivedAt,
      `${call.shop}:${call.event}:${call.innerId}`,
      call.innerId,
      call.data,
    );
  };
}
const commitBatch = db.transaction((calls) => {
  for (const call of calls) store(call);
});
let queue = [];
let scheduled = false;
parentPort.on('message', (calls) => {
  queue.push(...calls);
  if (!scheduled) {
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const batch = queue;
      queue = [];
      commitBatch(batch);
      parentPort.postMessage(batch.map((call) => call.id));
    });
  }
});
