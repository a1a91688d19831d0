/**
 * PostgreSQL migration 10: new jobs are due on the job clock, the database server's unless a test chose
 * the caller's. Several receivers share one database and their host clocks may differ; a job's due time
 * written from one host's clock and compared with another's made a receiver whose clock is behind pick
 * work up late by the skew (and one whose clock is ahead write jobs due in the future). The ingest
 * functions now set a new job's `run_at` with `srhooks_job_due`: `statement_timestamp()` (when the
 * server received the ingest statement), or the time the caller passed (the delivery's `received_at`,
 * a re-processing's `now`) when the session setting `srhooks.job_clock` is `caller` (PgStoreOptions
 * .jobClock 'caller', set for the store's connections; for tests that move time by passing `now`).
 * The jobs' created_at / updated_at keep the caller's time. Both functions are restated whole with that
 * one change (same signatures, so receivers of the previous version keep calling them); the per-delivery
 * `srhooks_ingest_batch` calls `srhooks_store_events` and needs no change.
 */
export const JOB_CLOCK_MIGRATION_SQL = `
CREATE FUNCTION srhooks_job_due(p_caller_time timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $fn$
  SELECT CASE WHEN current_setting('srhooks.job_clock', true) = 'caller' THEN p_caller_time ELSE statement_timestamp() END
$fn$;

CREATE OR REPLACE FUNCTION srhooks_store_events(
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
          VALUES (p_job_ids[(i - 1) * v_handler_count + h], p_ids[i], p_handlers[h], 'pending', srhooks_job_due(p_jobs_at), p_jobs_at, p_jobs_at);
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

CREATE OR REPLACE FUNCTION srhooks_ingest_set(
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
      SELECT j.id, r.id, hd.handler, 'pending', srhooks_job_due(r.received_at), r.received_at, r.received_at
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
`;
