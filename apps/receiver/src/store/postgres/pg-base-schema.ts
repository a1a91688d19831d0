/**
 * The SQL of PostgreSQL migrations 1 and 2 (pg-migration-list.ts): the base schema with the per-delivery
 * ingest functions, and the set-based batch ingest. Applied migrations are never edited: later changes are
 * new versions in the list.
 */

/** Migration 1: deliveries, events, jobs, attempts, handler states, ingest functions. */
export const BASE_SCHEMA_SQL = `
CREATE TABLE deliveries (
  id text COLLATE "C" PRIMARY KEY,
  received_at timestamptz NOT NULL,
  shop text NOT NULL,
  event text NOT NULL,
  remote_address text NOT NULL,
  headers json NOT NULL,
  content_type text NOT NULL,
  raw_body bytea NOT NULL,
  status text NOT NULL CHECK (status IN ('stored', 'quarantined', 'reprocessed')),
  decode_error_code text,
  decode_error_message text,
  reprocessed_at timestamptz
);
CREATE INDEX deliveries_received_at ON deliveries (received_at);
CREATE INDEX deliveries_shop_event ON deliveries (shop, event, id);
CREATE INDEX deliveries_status ON deliveries (status, id);

CREATE TABLE events (
  id text COLLATE "C" PRIMARY KEY,
  delivery_id text COLLATE "C" NOT NULL REFERENCES deliveries (id),
  shop text NOT NULL,
  event text NOT NULL,
  received_at timestamptz NOT NULL,
  dedupe_key text NOT NULL,
  subject_id text,
  payload json NOT NULL,
  duplicate_of text COLLATE "C" REFERENCES events (id),
  order_number text,
  customer_name text,
  gross_total text,
  currency text,
  search_text text NOT NULL,
  status text NOT NULL,
  verification text NOT NULL DEFAULT 'unverified' CHECK (verification IN ('unverified', 'verified', 'mismatched')),
  verification_detail text,
  held boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX events_dedupe ON events (shop, event, dedupe_key) WHERE duplicate_of IS NULL;
CREATE INDEX events_delivery ON events (delivery_id);
CREATE INDEX events_received_at ON events (received_at);
CREATE INDEX events_status ON events (status, id);

CREATE TABLE jobs (
  id text COLLATE "C" PRIMARY KEY,
  event_id text COLLATE "C" NOT NULL REFERENCES events (id),
  handler text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  failures integer NOT NULL DEFAULT 0,
  min_attempt integer NOT NULL DEFAULT 1,
  run_at timestamptz NOT NULL,
  lease_owner text,
  lease_expires_at timestamptz,
  last_error text,
  last_status_code integer,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz,
  UNIQUE (event_id, handler)
);
CREATE INDEX jobs_pending ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_dead ON jobs (finished_at) WHERE status = 'dead';

CREATE TABLE job_attempts (
  job_id text COLLATE "C" NOT NULL REFERENCES jobs (id),
  attempt integer NOT NULL,
  worker_id text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  outcome text NOT NULL,
  status_code integer,
  error text,
  PRIMARY KEY (job_id, attempt)
);

CREATE TABLE handler_states (
  handler text PRIMARY KEY,
  disabled boolean NOT NULL,
  reason text,
  changed_at timestamptz NOT NULL
);

CREATE FUNCTION srhooks_store_events(
  p_delivery_id text, p_shop text, p_event text, p_received_at timestamptz, p_jobs_at timestamptz,
  p_ids text[], p_dedupe_keys text[], p_subject_ids text[], p_order_numbers text[], p_customer_names text[],
  p_gross_totals text[], p_currencies text[], p_search_texts text[], p_payloads json[],
  p_handlers text[], p_job_ids text[]
) RETURNS text[]
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_handler_count integer := coalesce(cardinality(p_handlers), 0);
  v_duplicates text[] := '{}';
  v_inserted text;
  v_original text;
BEGIN
  FOR i IN 1 .. coalesce(cardinality(p_ids), 0) LOOP
    v_inserted := NULL;
    v_original := NULL;
    INSERT INTO events (id, delivery_id, shop, event, received_at, dedupe_key, subject_id, payload, order_number,
        customer_name, gross_total, currency, search_text, status)
      VALUES (p_ids[i], p_delivery_id, p_shop, p_event, p_received_at, p_dedupe_keys[i], p_subject_ids[i], p_payloads[i],
        p_order_numbers[i], p_customer_names[i], p_gross_totals[i], p_currencies[i], p_search_texts[i],
        CASE WHEN v_handler_count > 0 THEN 'pending' ELSE 'stored' END)
      ON CONFLICT (shop, event, dedupe_key) WHERE duplicate_of IS NULL DO NOTHING
      RETURNING events.id INTO v_inserted;
    IF v_inserted IS NOT NULL THEN
      FOR h IN 1 .. v_handler_count LOOP
        INSERT INTO jobs (id, event_id, handler, status, run_at, created_at, updated_at)
          VALUES (p_job_ids[(i - 1) * v_handler_count + h], p_ids[i], p_handlers[h], 'pending', p_jobs_at, p_jobs_at, p_jobs_at);
      END LOOP;
    ELSE
      SELECT e.id INTO v_original FROM events e
        WHERE e.shop = p_shop AND e.event = p_event AND e.dedupe_key = p_dedupe_keys[i] AND e.duplicate_of IS NULL;
      INSERT INTO events (id, delivery_id, shop, event, received_at, dedupe_key, subject_id, payload, order_number,
          customer_name, gross_total, currency, search_text, duplicate_of, status)
        VALUES (p_ids[i], p_delivery_id, p_shop, p_event, p_received_at, p_dedupe_keys[i], p_subject_ids[i], p_payloads[i],
          p_order_numbers[i], p_customer_names[i], p_gross_totals[i], p_currencies[i], p_search_texts[i],
          v_original, 'duplicate');
    END IF;
    v_duplicates := array_append(v_duplicates, v_original);
  END LOOP;
  RETURN v_duplicates;
END
$fn$;

CREATE FUNCTION srhooks_ingest_batch(
  p_ids text[], p_received_ats timestamptz[], p_shops text[], p_events text[], p_remote_addresses text[],
  p_headers json, p_content_types text[], p_bodies bytea, p_body_lengths integer[],
  p_statuses text[], p_error_codes text[], p_error_messages text[],
  p_event_counts integer[], p_event_ids text[], p_dedupe_keys text[], p_subject_ids text[], p_order_numbers text[],
  p_customer_names text[], p_gross_totals text[], p_currencies text[], p_search_texts text[], p_payloads json,
  p_handler_counts integer[], p_handlers text[], p_job_ids text[]
) RETURNS TABLE (out_index integer, out_duplicates text[], out_error_code text, out_error_message text)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_headers json[] := ARRAY(SELECT t.value FROM json_array_elements(p_headers) WITH ORDINALITY AS t (value, n) ORDER BY t.n);
  v_payloads json[] := ARRAY(SELECT t.value FROM json_array_elements(p_payloads) WITH ORDINALITY AS t (value, n) ORDER BY t.n);
  v_body integer := 1;
  v_event integer := 0;
  v_handler integer := 0;
  v_job integer := 0;
  v_events integer;
  v_handlers integer;
BEGIN
  FOR d IN 1 .. coalesce(cardinality(p_ids), 0) LOOP
    v_events := p_event_counts[d];
    v_handlers := p_handler_counts[d];
    out_index := d;
    out_duplicates := '{}';
    out_error_code := NULL;
    out_error_message := NULL;
    BEGIN
      INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status,
          decode_error_code, decode_error_message)
        VALUES (p_ids[d], p_received_ats[d], p_shops[d], p_events[d], p_remote_addresses[d], v_headers[d],
          p_content_types[d], substring(p_bodies FROM v_body FOR p_body_lengths[d]), p_statuses[d],
          p_error_codes[d], p_error_messages[d]);
      IF v_events > 0 THEN
        out_duplicates := srhooks_store_events(p_ids[d], p_shops[d], p_events[d], p_received_ats[d], p_received_ats[d],
          p_event_ids[v_event + 1 : v_event + v_events], p_dedupe_keys[v_event + 1 : v_event + v_events],
          p_subject_ids[v_event + 1 : v_event + v_events], p_order_numbers[v_event + 1 : v_event + v_events],
          p_customer_names[v_event + 1 : v_event + v_events], p_gross_totals[v_event + 1 : v_event + v_events],
          p_currencies[v_event + 1 : v_event + v_events], p_search_texts[v_event + 1 : v_event + v_events],
          v_payloads[v_event + 1 : v_event + v_events], p_handlers[v_handler + 1 : v_handler + v_handlers],
          p_job_ids[v_job + 1 : v_job + v_events * v_handlers]);
      END IF;
    EXCEPTION WHEN OTHERS THEN
      out_duplicates := NULL;
      out_error_code := SQLSTATE;
      out_error_message := SQLERRM;
    END;
    RETURN NEXT;
    v_body := v_body + p_body_lengths[d];
    v_event := v_event + v_events;
    v_handler := v_handler + v_handlers;
    v_job := v_job + v_events * v_handlers;
  END LOOP;
END
$fn$;
`;

/** Migration 2: set-based batch ingest (srhooks_ingest_set) with fallback to the per-delivery path. */
export const INGEST_SET_SQL = `
CREATE FUNCTION srhooks_ingest_set(
  p_ids text[], p_received_ats timestamptz[], p_shops text[], p_events text[], p_remote_addresses text[],
  p_headers json, p_content_types text[], p_bodies bytea, p_body_lengths integer[],
  p_statuses text[], p_error_codes text[], p_error_messages text[],
  p_event_counts integer[], p_event_ids text[], p_dedupe_keys text[], p_subject_ids text[], p_order_numbers text[],
  p_customer_names text[], p_gross_totals text[], p_currencies text[], p_search_texts text[], p_payloads json,
  p_handler_counts integer[], p_handlers text[], p_job_ids text[]
) RETURNS TABLE (out_index integer, out_duplicates text[], out_error_code text, out_error_message text)
LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE
  v_duplicates text[];
BEGIN
  BEGIN
    WITH d AS MATERIALIZED (
      SELECT t.n, t.id, t.received_at, t.shop, t.event, t.remote_address, h.value AS headers, t.content_type,
        substring(p_bodies FROM (sum(t.body_length) OVER w - t.body_length + 1)::integer FOR t.body_length) AS raw_body,
        t.status, t.error_code, t.error_message, t.event_count, t.handler_count,
        (sum(t.event_count) OVER w - t.event_count)::integer AS event_from,
        (sum(t.handler_count) OVER w - t.handler_count)::integer AS handler_from,
        (sum(t.event_count * t.handler_count) OVER w - t.event_count * t.handler_count)::integer AS job_from
      FROM unnest(p_ids, p_received_ats, p_shops, p_events, p_remote_addresses, p_content_types, p_body_lengths,
          p_statuses, p_error_codes, p_error_messages, p_event_counts, p_handler_counts)
          WITH ORDINALITY AS t (id, received_at, shop, event, remote_address, content_type, body_length, status,
            error_code, error_message, event_count, handler_count, n)
        JOIN json_array_elements(p_headers) WITH ORDINALITY AS h (value, n) ON h.n = t.n
      WINDOW w AS (ORDER BY t.n)
    ), inserted_deliveries AS (
      INSERT INTO deliveries (id, received_at, shop, event, remote_address, headers, content_type, raw_body, status,
          decode_error_code, decode_error_message)
      SELECT d.id, d.received_at, d.shop, d.event, d.remote_address, d.headers, d.content_type, d.raw_body, d.status,
        d.error_code, d.error_message
      FROM d ORDER BY d.n
    ), owner AS (
      SELECT d.n, g.k FROM d CROSS JOIN LATERAL generate_series(d.event_from + 1, d.event_from + d.event_count) AS g (k)
    ), ev AS (
      SELECT x.k, x.k - d.event_from AS i, x.id, d.id AS delivery_id, d.shop, d.event, d.received_at, x.dedupe_key,
        x.subject_id, p.value AS payload, x.order_number, x.customer_name, x.gross_total, x.currency, x.search_text,
        d.handler_count, d.handler_from, d.job_from
      FROM unnest(p_event_ids, p_dedupe_keys, p_subject_ids, p_order_numbers, p_customer_names, p_gross_totals,
          p_currencies, p_search_texts)
          WITH ORDINALITY AS x (id, dedupe_key, subject_id, order_number, customer_name, gross_total, currency,
            search_text, k)
        JOIN json_array_elements(p_payloads) WITH ORDINALITY AS p (value, k) ON p.k = x.k
        JOIN owner o ON o.k = x.k
        JOIN d ON d.n = o.n
    ), resolved AS MATERIALIZED (
      SELECT ev.*, coalesce(
          (SELECT s.id FROM events s
            WHERE s.shop = ev.shop AND s.event = ev.event AND s.dedupe_key = ev.dedupe_key AND s.duplicate_of IS NULL),
          nullif(first_value(ev.id) OVER (PARTITION BY ev.shop, ev.event, ev.dedupe_key ORDER BY ev.k), ev.id)
        ) AS duplicate_of
      FROM ev
    ), inserted_events AS (
      INSERT INTO events (id, delivery_id, shop, event, received_at, dedupe_key, subject_id, payload, duplicate_of,
          order_number, customer_name, gross_total, currency, search_text, status)
      SELECT r.id, r.delivery_id, r.shop, r.event, r.received_at, r.dedupe_key, r.subject_id, r.payload, r.duplicate_of,
        r.order_number, r.customer_name, r.gross_total, r.currency, r.search_text,
        CASE WHEN r.duplicate_of IS NOT NULL THEN 'duplicate' WHEN r.handler_count > 0 THEN 'pending' ELSE 'stored' END
      FROM resolved r ORDER BY r.shop, r.event, r.dedupe_key, r.k
    ), inserted_jobs AS (
      INSERT INTO jobs (id, event_id, handler, status, run_at, created_at, updated_at)
      SELECT j.id, r.id, hd.handler, 'pending', r.received_at, r.received_at, r.received_at
      FROM resolved r
        CROSS JOIN LATERAL generate_series(1, r.handler_count) AS g (h)
        JOIN unnest(p_job_ids) WITH ORDINALITY AS j (id, m) ON j.m = r.job_from + (r.i - 1) * r.handler_count + g.h
        JOIN unnest(p_handlers) WITH ORDINALITY AS hd (handler, m) ON hd.m = r.handler_from + g.h
      WHERE r.duplicate_of IS NULL
      ORDER BY j.m
    )
    SELECT coalesce(array_agg(r.duplicate_of ORDER BY r.k), '{}') INTO v_duplicates FROM resolved r;
  EXCEPTION WHEN OTHERS THEN
    RETURN QUERY SELECT b.out_index, b.out_duplicates, b.out_error_code, b.out_error_message
      FROM srhooks_ingest_batch(p_ids, p_received_ats, p_shops, p_events, p_remote_addresses, p_headers, p_content_types,
        p_bodies, p_body_lengths, p_statuses, p_error_codes, p_error_messages, p_event_counts, p_event_ids,
        p_dedupe_keys, p_subject_ids, p_order_numbers, p_customer_names, p_gross_totals, p_currencies, p_search_texts,
        p_payloads, p_handler_counts, p_handlers, p_job_ids) AS b;
    RETURN;
  END;
  RETURN QUERY
    SELECT c.n::integer, v_duplicates[c.event_from + 1 : c.event_from + c.event_count], NULL::text, NULL::text
    FROM (SELECT u.n, u.event_count, (sum(u.event_count) OVER (ORDER BY u.n) - u.event_count)::integer AS event_from
          FROM unnest(p_event_counts) WITH ORDINALITY AS u (event_count, n)) AS c
    ORDER BY c.n;
END
$fn$;

DO $lz4$
BEGIN
  ALTER TABLE deliveries ALTER COLUMN raw_body SET COMPRESSION lz4;
  ALTER TABLE deliveries ALTER COLUMN headers SET COMPRESSION lz4;
  ALTER TABLE events ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL; -- a server built without lz4 keeps pglz
END
$lz4$;
`;
