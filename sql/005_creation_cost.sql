-- 005_creation_cost: what a creation paid the planner on every call.
--
-- Found with pg_stat_statements (calls vs plans) and perf on the backends
-- while bench/tasks.sh ran:
--
-- 1. iso_utc() was declared IMMUTABLE around to_char(), which is only
--    STABLE.  PostgreSQL inlines a SQL function only when its body is no
--    more volatile than its declaration, so every statement that formatted
--    a time ran the SQL-function executor instead, which parses and plans
--    the body again in each query (base_yyparse on every status read and
--    every creation).  Declared STABLE it is inlined into the caller's
--    plan.
-- 2. The ledger range counts of acloud_create_task chose custom plans
--    (the generic plan's estimate was dearer), so they were planned again
--    on every call: a fifth of a creation's backend CPU.  Generic plans are
--    as good for these key lookups and range scans, so the function forces
--    them.  The body is 004's with two smaller changes: the counter row is
--    inserted only on a user's first creation of a class (004 tried the
--    insert on every call), and the task, its first history entry and its
--    input blob go in as one statement.

ALTER FUNCTION iso_utc(timestamptz) STABLE;

CREATE OR REPLACE FUNCTION acloud_create_task(
    p_id uuid, p_user text, p_type task_type, p_name text,
    p_device text, p_backend device_class, p_device_allowed boolean,
    p_priority integer, p_op_time double precision, p_sample_rate integer,
    p_input text, p_input_type text,
    p_hourly integer[], p_daily integer[],
    OUT outcome text, OUT retry_after integer, OUT limit_window text,
    OUT limit_class text, OUT limit_value integer, OUT created_at text)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_class device_class := p_backend;
    v_available boolean;
    v_queue text;
    v_hourly_used bigint;
    v_daily_used bigint;
    v_hourly_limit integer;
    v_daily_limit integer;
    v_now timestamptz := clock_timestamp();
    v_counter usage_counters%ROWTYPE;
BEGIN
    IF p_type = 'run' THEN
        SELECT d.class, d.available INTO v_class, v_available
          FROM devices d WHERE d.name = p_device AND d.configured;
        IF NOT FOUND THEN outcome := 'device_not_found'; RETURN; END IF;
        IF NOT p_device_allowed THEN outcome := 'device_forbidden'; RETURN; END IF;
        IF NOT v_available THEN outcome := 'device_unavailable'; RETURN; END IF;
        v_queue := 'device:' || p_device;
        -- The counts live in the user's counter row, whose lock serialises
        -- this user's creations of this class (see 004).
        SELECT * INTO v_counter FROM usage_counters
         WHERE user_id = p_user AND device_class = v_class FOR UPDATE;
        IF NOT FOUND THEN
            -- First creation of this class: the row is made once.
            INSERT INTO usage_counters (user_id, device_class, counted_to, hourly, daily)
            VALUES (p_user, v_class, '-infinity', 0, 0) ON CONFLICT DO NOTHING;
            SELECT * INTO v_counter FROM usage_counters
             WHERE user_id = p_user AND device_class = v_class FOR UPDATE;
        END IF;
        -- Taken after the lock, so the counter's time never goes back.
        v_now := greatest(clock_timestamp(), v_counter.counted_to);
        IF v_counter.counted_to = '-infinity' THEN
            -- First use (also after the upgrade from 002): count once.
            SELECT count(*) FILTER (WHERE u.at > v_now - interval '1 hour'), count(*)
              INTO v_hourly_used, v_daily_used
              FROM usage_ledger u
             WHERE u.user_id = p_user AND u.device_class = v_class
               AND u.at > v_now - interval '24 hours';
        ELSE
            -- Subtract the ledger rows that left each window since
            -- counted_to: two short range scans of the (user, class, at)
            -- index.
            SELECT v_counter.hourly - count(*) INTO v_hourly_used
              FROM usage_ledger u
             WHERE u.user_id = p_user AND u.device_class = v_class
               AND u.at > v_counter.counted_to - interval '1 hour' AND u.at <= v_now - interval '1 hour';
            SELECT v_counter.daily - count(*) INTO v_daily_used
              FROM usage_ledger u
             WHERE u.user_id = p_user AND u.device_class = v_class
               AND u.at > v_counter.counted_to - interval '24 hours' AND u.at <= v_now - interval '24 hours';
        END IF;
        -- Limits come per class in the enum's order; NULL is unlimited.
        v_hourly_limit := p_hourly[array_position(enum_range(NULL::device_class), v_class)];
        v_daily_limit := p_daily[array_position(enum_range(NULL::device_class), v_class)];
        outcome := NULL;
        IF v_hourly_limit IS NOT NULL AND v_hourly_used >= v_hourly_limit THEN
            outcome := 'rate_limited'; limit_window := 'hourly';
            limit_class := v_class::text; limit_value := v_hourly_limit;
            retry_after := acloud_retry_after(p_user, v_class, interval '1 hour', v_hourly_used - v_hourly_limit, v_now);
        ELSIF v_daily_limit IS NOT NULL AND v_daily_used >= v_daily_limit THEN
            outcome := 'rate_limited'; limit_window := 'daily';
            limit_class := v_class::text; limit_value := v_daily_limit;
            retry_after := acloud_retry_after(p_user, v_class, interval '24 hours', v_daily_used - v_daily_limit, v_now);
        ELSE
            v_hourly_used := v_hourly_used + 1;
            v_daily_used := v_daily_used + 1;
        END IF;
        UPDATE usage_counters SET counted_to = v_now, hourly = v_hourly_used, daily = v_daily_used
         WHERE user_id = p_user AND device_class = v_class;
        IF outcome IS NOT NULL THEN
            RETURN;
        END IF;
        INSERT INTO usage_ledger (user_id, device_class, task_id, at) VALUES (p_user, v_class, p_id, v_now);
    ELSE
        v_queue := 'compile:' || p_backend::text;
    END IF;

    WITH t AS (
        INSERT INTO tasks (id, user_id, type, name, device_name, device_class, queue, priority,
                           op_time, sample_rate, created_at, updated_at)
        VALUES (p_id, p_user, p_type, p_name, p_device, v_class, v_queue, p_priority,
                p_op_time, p_sample_rate, v_now, v_now)
    ), h AS (
        INSERT INTO task_history (task_id, state, at, detail) VALUES (p_id, 'queued', v_now, NULL)
    )
    INSERT INTO task_blobs (task_id, kind, content_type, data)
    VALUES (p_id, 'input', p_input_type, convert_to(p_input, 'UTF8'));
    -- A NOTIFY takes a database-wide lock until commit; the scheduler needs
    -- the hint only when the queue was empty (see 004).
    IF NOT EXISTS (SELECT 1 FROM tasks q WHERE q.queue = v_queue AND q.state = 'queued' AND q.id <> p_id) THEN
        PERFORM pg_notify('acloud_tasks', v_queue);
    END IF;
    outcome := 'created';
    created_at := iso_utc(v_now);
END
$$;
