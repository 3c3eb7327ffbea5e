-- 007_batch: batch creation, idempotent creation, task tags and the cap
-- on a key's active tasks.
--
-- acloud_create_task now takes a list of tasks (one for POST /tasks/run
-- and /tasks/compile, 1 to 1 000 for POST /tasks/batch) and creates all
-- of them or none, in one transaction.  The order of its steps:
--   1. the Idempotency-Key, when given (before anything else, so a replay
--      answers even if a device has gone since);
--   2. every run's device: exists, allowed, available (no locks);
--   3. the locks, taken only now, just before the writes: the key's
--      active-task lock (only when the key has a cap), then the usage
--      counter of each limited class in the list (never for a class
--      without a limit); all checks pass before anything is written;
--   4. the inserts, each one statement over the whole list;
--   5. the stored answer of the Idempotency-Key, in the same transaction.

-- ---- tags -------------------------------------------------------------------
-- NULL when a task has none, so untagged tasks stay out of the index.
ALTER TABLE tasks ADD COLUMN tags text[];
CREATE INDEX tasks_tags_idx ON tasks USING gin (tags) WHERE tags IS NOT NULL;

-- ---- idempotency keys ---------------------------------------------------------
-- The first answer to a creation that carried an Idempotency-Key, per user,
-- kept 24 hours.  request_sha256 covers the path and the body's bytes.
CREATE TABLE idempotency_keys (
    user_id         text NOT NULL,
    key             text NOT NULL,
    request_sha256  text NOT NULL,
    status          integer NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_age_idx ON idempotency_keys (created_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO acloud_app;

-- ---- creation ------------------------------------------------------------------
-- One task of the list as the API sends it (i: its index in the request),
-- with the device's class and availability filled in here.
CREATE TYPE acloud_new_task AS (
    i            integer,
    id           uuid,
    name         text,
    device       text,
    allowed      boolean,
    op_time      double precision,
    sample_rate  integer,
    input        text,
    tags         text[],
    class        device_class,
    available    boolean
);

DROP FUNCTION acloud_create_task(uuid, text, task_type, text, text, device_class, boolean,
                                 integer, double precision, integer, text, text,
                                 integer[], integer[]);

-- Brings one user's usage counter of one class up to date under its row
-- lock (see 004) and says whether p_need more runs fit.  Writes nothing.
CREATE FUNCTION acloud_usage_check(p_user text, p_class device_class, p_need integer,
                                   p_hourly_limit integer, p_daily_limit integer,
                                   OUT counted_at timestamptz, OUT hourly_used bigint,
                                   OUT daily_used bigint,
                                   OUT limit_window text, OUT limit_value integer,
                                   OUT retry_after integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_counter usage_counters%ROWTYPE;
BEGIN
    INSERT INTO usage_counters (user_id, device_class, counted_to, hourly, daily)
    VALUES (p_user, p_class, '-infinity', 0, 0) ON CONFLICT DO NOTHING;
    SELECT * INTO v_counter FROM usage_counters
     WHERE user_id = p_user AND device_class = p_class FOR UPDATE;
    counted_at := greatest(clock_timestamp(), v_counter.counted_to);
    IF v_counter.counted_to = '-infinity' THEN
        SELECT count(*) FILTER (WHERE u.at > counted_at - interval '1 hour'), count(*)
          INTO hourly_used, daily_used
          FROM usage_ledger u
         WHERE u.user_id = p_user AND u.device_class = p_class
           AND u.at > counted_at - interval '24 hours';
    ELSE
        SELECT v_counter.hourly - count(*) INTO hourly_used
          FROM usage_ledger u
         WHERE u.user_id = p_user AND u.device_class = p_class
           AND u.at > v_counter.counted_to - interval '1 hour'
           AND u.at <= counted_at - interval '1 hour';
        SELECT v_counter.daily - count(*) INTO daily_used
          FROM usage_ledger u
         WHERE u.user_id = p_user AND u.device_class = p_class
           AND u.at > v_counter.counted_to - interval '24 hours'
           AND u.at <= counted_at - interval '24 hours';
    END IF;
    -- Retry-After: until the entry whose leaving makes room for p_need.
    IF p_hourly_limit IS NOT NULL AND hourly_used + p_need > p_hourly_limit THEN
        limit_window := 'hourly'; limit_value := p_hourly_limit;
        retry_after := coalesce(acloud_retry_after(p_user, p_class, interval '1 hour',
                                                   hourly_used + p_need - p_hourly_limit - 1, counted_at), 3600);
    ELSIF p_daily_limit IS NOT NULL AND daily_used + p_need > p_daily_limit THEN
        limit_window := 'daily'; limit_value := p_daily_limit;
        retry_after := coalesce(acloud_retry_after(p_user, p_class, interval '24 hours',
                                                   daily_used + p_need - p_daily_limit - 1, counted_at), 86400);
    END IF;
END
$$;

--   outcome: created | replayed | idempotency_in_flight | idempotency_mismatch |
--            device_not_found | device_forbidden | device_unavailable |
--            rate_limited | active_limited
--   run_index, device: the run a device outcome is about
--   body: the answer's JSON (created, replayed)
CREATE FUNCTION acloud_create_task(
    p_user text, p_type task_type, p_backend device_class, p_priority integer,
    p_tasks json, p_input_type text,
    p_hourly integer[], p_daily integer[], p_max_active integer,
    p_batch boolean, p_idem_key text, p_idem_hash text,
    OUT outcome text, OUT run_index integer, OUT device text, OUT body text,
    OUT retry_after integer, OUT limit_window text, OUT limit_class text,
    OUT limit_value integer, OUT limit_need integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_tasks acloud_new_task[];
    v_bad acloud_new_task;
    v_n integer;
    v_now timestamptz;
    v_active integer;
    v_class device_class;
    v_need integer;
    v_hourly_limit integer;
    v_daily_limit integer;
    v_check record;
    v_charge_class device_class[] := '{}';
    v_charge_at timestamptz[] := '{}';
    v_charge_hourly bigint[] := '{}';
    v_charge_daily bigint[] := '{}';
    v_key record;
    v_queue text;
BEGIN
    -- 1. A key seen before answers as it did, or refuses.
    IF p_idem_key IS NOT NULL THEN
        IF NOT pg_try_advisory_xact_lock(hashtextextended('idempotency/' || p_user || '/' || p_idem_key, 0)) THEN
            outcome := 'idempotency_in_flight'; RETURN;
        END IF;
        SELECT k.request_sha256, k.status, k.body INTO v_key FROM idempotency_keys k
         WHERE k.user_id = p_user AND k.key = p_idem_key
           AND k.created_at > clock_timestamp() - interval '24 hours';
        IF FOUND THEN
            IF v_key.request_sha256 <> p_idem_hash THEN
                outcome := 'idempotency_mismatch'; RETURN;
            END IF;
            outcome := 'replayed'; body := v_key.body; RETURN;
        END IF;
    END IF;

    -- 2. The list, with each run's device; the first run that fails a
    --    device check (in request order) is the answer.
    SELECT array_agg(ROW(r.i, r.id, r.name, r.device, r.allowed, r.op_time, r.sample_rate,
                         r.input, CASE WHEN cardinality(r.tags) > 0 THEN r.tags END,
                         coalesce(d.class, p_backend), d.available)::acloud_new_task ORDER BY r.i)
      INTO v_tasks
      FROM json_populate_recordset(NULL::acloud_new_task, p_tasks) r
      LEFT JOIN devices d ON p_type = 'run' AND d.name = r.device AND d.configured;
    v_n := cardinality(v_tasks);
    IF p_type = 'run' THEN
        SELECT * INTO v_bad FROM unnest(v_tasks) t
         WHERE t.class IS NULL OR NOT t.allowed OR NOT t.available ORDER BY t.i LIMIT 1;
        IF FOUND THEN
            run_index := v_bad.i; device := v_bad.device;
            outcome := CASE WHEN v_bad.class IS NULL THEN 'device_not_found'
                            WHEN NOT v_bad.allowed THEN 'device_forbidden'
                            ELSE 'device_unavailable' END;
            RETURN;
        END IF;
    END IF;

    -- 3. The locks and the limits, all checked before anything is written.
    -- The cap: a lock per user (only for a key that has a cap), then the
    -- user's queued and inprogress tasks counted in the (user, state)
    -- index, at most cap + 1 of them.  Creations of one user take turns
    -- here, so the count is exact; a task that ends meanwhile can only
    -- make it smaller.  (A counter row kept by triggers would make every
    -- finish of the user's tasks take that row's lock: one hot row for the
    -- scheduler.)
    IF p_max_active IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('active/' || p_user, 0));
        SELECT count(*) INTO v_active FROM (
            SELECT 1 FROM tasks a
             WHERE a.user_id = p_user AND a.state IN ('queued', 'inprogress')
             LIMIT p_max_active + 1) active;
        IF v_active + v_n > p_max_active THEN
            outcome := 'active_limited'; limit_value := p_max_active; limit_need := v_n;
            RETURN;
        END IF;
    END IF;
    IF p_type = 'run' THEN
        -- Limits come per class in the enum's order; NULL is unlimited.
        FOR v_class, v_need IN
            SELECT t.class, count(*) FROM unnest(v_tasks) t GROUP BY t.class ORDER BY t.class
        LOOP
            v_hourly_limit := p_hourly[array_position(enum_range(NULL::device_class), v_class)];
            v_daily_limit := p_daily[array_position(enum_range(NULL::device_class), v_class)];
            IF v_hourly_limit IS NULL AND v_daily_limit IS NULL THEN
                -- No lock for a class without a limit.  Its ledger rows are
                -- written outside the counter's lock, so a counter of it
                -- would fall behind: dropped, and rebuilt from the ledger
                -- should the class get a limit (a no-op once gone).
                DELETE FROM usage_counters WHERE user_id = p_user AND device_class = v_class;
                CONTINUE;
            END IF;
            SELECT * INTO v_check
              FROM acloud_usage_check(p_user, v_class, v_need, v_hourly_limit, v_daily_limit);
            IF v_check.limit_window IS NOT NULL THEN
                outcome := 'rate_limited'; limit_window := v_check.limit_window;
                limit_class := v_class::text; limit_value := v_check.limit_value;
                limit_need := v_need; retry_after := v_check.retry_after;
                RETURN;
            END IF;
            v_charge_class := v_charge_class || v_class;
            v_charge_at := v_charge_at || v_check.counted_at;
            v_charge_hourly := v_charge_hourly || (v_check.hourly_used + v_need);
            v_charge_daily := v_charge_daily || (v_check.daily_used + v_need);
        END LOOP;
        FOR k IN 1 .. cardinality(v_charge_class) LOOP
            UPDATE usage_counters SET counted_to = v_charge_at[k], hourly = v_charge_hourly[k],
                                      daily = v_charge_daily[k]
             WHERE user_id = p_user AND device_class = v_charge_class[k];
        END LOOP;
        -- Every run is charged, limited class or not (users/me reads the ledger).
        INSERT INTO usage_ledger (user_id, device_class, task_id, at)
        SELECT p_user, t.class, t.id,
               coalesce(v_charge_at[array_position(v_charge_class, t.class)], clock_timestamp())
          FROM unnest(v_tasks) t ORDER BY t.i;
    END IF;

    -- 4. The tasks.  Each one a microsecond after the one before it, so the
    --    queue (priority, created_at, id) keeps the request's order.
    v_now := clock_timestamp();
    INSERT INTO tasks (id, user_id, type, name, device_name, device_class, queue, priority,
                       op_time, sample_rate, tags, created_at, updated_at)
    SELECT t.id, p_user, p_type, t.name, CASE WHEN p_type = 'run' THEN t.device END, t.class,
           CASE WHEN p_type = 'run' THEN 'device:' || t.device ELSE 'compile:' || t.class::text END,
           p_priority, t.op_time, t.sample_rate, t.tags,
           v_now + t.i * interval '1 microsecond', v_now + t.i * interval '1 microsecond'
      FROM unnest(v_tasks) t ORDER BY t.i;
    INSERT INTO task_history (task_id, state, at, detail)
    SELECT t.id, 'queued', v_now + t.i * interval '1 microsecond', NULL
      FROM unnest(v_tasks) t ORDER BY t.i;
    INSERT INTO task_blobs (task_id, kind, content_type, data)
    SELECT t.id, 'input', p_input_type, convert_to(t.input, 'UTF8') FROM unnest(v_tasks) t;

    -- The answer, kept with the key in the same transaction.
    -- (Every value is a uuid, an enum or a time: nothing to escape.)
    SELECT CASE WHEN p_batch THEN '{"tasks":[' || string_agg(o, ',' ORDER BY i) || ']}'
                ELSE min(o) END
      INTO body
      FROM (SELECT t.i, '{"id":"' || t.id || '","type":"' || p_type || '","state":"queued",'
                        '"created_at":"' || iso_utc(v_now + t.i * interval '1 microsecond') || '"}' AS o
              FROM unnest(v_tasks) t) answers;
    IF p_idem_key IS NOT NULL THEN
        -- Expired keys go a few at a time with the keys that replace them.
        DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
            SELECT k.ctid FROM idempotency_keys k
             WHERE k.created_at < v_now - interval '24 hours' ORDER BY k.created_at LIMIT 16));
        INSERT INTO idempotency_keys AS k (user_id, key, request_sha256, status, body, created_at)
        VALUES (p_user, p_idem_key, p_idem_hash, 201, body, v_now)
        ON CONFLICT (user_id, key) DO UPDATE
           SET request_sha256 = excluded.request_sha256, status = excluded.status,
               body = excluded.body, created_at = excluded.created_at;
    END IF;

    -- NOTIFY takes a database-wide lock until commit; a scheduler needs
    -- the hint only for a queue that was empty (see 002): no queued task
    -- older than this list (its own tasks are v_now or later).
    FOR v_queue IN
        SELECT DISTINCT CASE WHEN p_type = 'run' THEN 'device:' || t.device
                             ELSE 'compile:' || t.class::text END
          FROM unnest(v_tasks) t
    LOOP
        IF NOT EXISTS (SELECT 1 FROM tasks q WHERE q.queue = v_queue AND q.state = 'queued'
                                              AND q.created_at < v_now) THEN
            PERFORM pg_notify('acloud_tasks', v_queue);
        END IF;
    END LOOP;
    outcome := 'created';
END
$$;

ALTER FUNCTION acloud_create_task(text, task_type, device_class, integer, json, text,
                                  integer[], integer[], integer, boolean, text, text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION acloud_usage_check(text, device_class, integer, integer, integer)
    SET plan_cache_mode = force_generic_plan;

GRANT EXECUTE ON FUNCTION acloud_create_task, acloud_usage_check TO acloud_app;
-- A class without a limit drops its counter row (see acloud_create_task).
GRANT DELETE ON usage_counters TO acloud_app;
