-- 002_task_api: the task API's write paths as functions, so that each
-- creation, cancel and delete is one round trip and one transaction, with
-- the checks in the contract's order.

-- Creates a task: device checks, rate limit (exact under concurrency: an
-- advisory lock per user and class serialises the count and the insert),
-- task row, first history entry, input blob, usage-ledger entry, NOTIFY.
--   outcome: created | device_not_found | device_forbidden |
--            device_unavailable | rate_limited
CREATE FUNCTION acloud_create_task(
    p_id uuid, p_user text, p_type task_type, p_name text,
    p_device text, p_backend device_class, p_device_allowed boolean,
    p_priority integer, p_op_time double precision, p_sample_rate integer,
    p_input text, p_input_type text,
    p_hourly integer[], p_daily integer[],
    OUT outcome text, OUT retry_after integer, OUT limit_window text,
    OUT limit_class text, OUT limit_value integer, OUT created_at text)
LANGUAGE plpgsql AS $$
DECLARE
    v_class device_class := p_backend;
    v_available boolean;
    v_queue text;
    v_hourly_used bigint;
    v_daily_used bigint;
    v_hourly_limit integer;
    v_daily_limit integer;
    v_now timestamptz := clock_timestamp();
BEGIN
    IF p_type = 'run' THEN
        SELECT d.class, d.available INTO v_class, v_available
          FROM devices d WHERE d.name = p_device AND d.configured;
        IF NOT FOUND THEN outcome := 'device_not_found'; RETURN; END IF;
        IF NOT p_device_allowed THEN outcome := 'device_forbidden'; RETURN; END IF;
        IF NOT v_available THEN outcome := 'device_unavailable'; RETURN; END IF;
        v_queue := 'device:' || p_device;
        -- Limits come per class in the enum's order; NULL is unlimited.
        v_hourly_limit := p_hourly[array_position(enum_range(NULL::device_class), v_class)];
        v_daily_limit := p_daily[array_position(enum_range(NULL::device_class), v_class)];
        -- An unlimited class needs no count, so no lock: only limited keys
        -- serialise their creations.
        IF v_hourly_limit IS NOT NULL OR v_daily_limit IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock(hashtextextended(p_user || '/' || v_class::text, 0));
            SELECT count(*) FILTER (WHERE u.at > v_now - interval '1 hour'), count(*)
              INTO v_hourly_used, v_daily_used
              FROM usage_ledger u
             WHERE u.user_id = p_user AND u.device_class = v_class
               AND u.at > v_now - interval '24 hours';
            IF v_hourly_limit IS NOT NULL AND v_hourly_used >= v_hourly_limit THEN
                outcome := 'rate_limited'; limit_window := 'hourly';
                limit_class := v_class::text; limit_value := v_hourly_limit;
                retry_after := acloud_retry_after(p_user, v_class, interval '1 hour', v_hourly_used - v_hourly_limit, v_now);
                RETURN;
            END IF;
            IF v_daily_limit IS NOT NULL AND v_daily_used >= v_daily_limit THEN
                outcome := 'rate_limited'; limit_window := 'daily';
                limit_class := v_class::text; limit_value := v_daily_limit;
                retry_after := acloud_retry_after(p_user, v_class, interval '24 hours', v_daily_used - v_daily_limit, v_now);
                RETURN;
            END IF;
        END IF;
        INSERT INTO usage_ledger (user_id, device_class, task_id, at) VALUES (p_user, v_class, p_id, v_now);
    ELSE
        v_queue := 'compile:' || p_backend::text;
    END IF;

    INSERT INTO tasks (id, user_id, type, name, device_name, device_class, queue, priority,
                       op_time, sample_rate, created_at, updated_at)
    VALUES (p_id, p_user, p_type, p_name, p_device, v_class, v_queue, p_priority,
            p_op_time, p_sample_rate, v_now, v_now);
    INSERT INTO task_history (task_id, state, at, detail) VALUES (p_id, 'queued', v_now, NULL);
    INSERT INTO task_blobs (task_id, kind, content_type, data)
    VALUES (p_id, 'input', p_input_type, convert_to(p_input, 'UTF8'));
    -- NOTIFY takes a database-wide lock until commit, which would
    -- serialise all creations.  A scheduler needs the hint only when the
    -- queue was empty: otherwise it claims the next task when the current
    -- one ends, and the poll covers the rest.  (Concurrent creations that
    -- both see an empty queue both notify; a duplicate hint is harmless.)
    IF NOT EXISTS (SELECT 1 FROM tasks q WHERE q.queue = v_queue AND q.state = 'queued' AND q.id <> p_id) THEN
        PERFORM pg_notify('acloud_tasks', v_queue);
    END IF;
    outcome := 'created';
    created_at := iso_utc(v_now);
END
$$;

-- Seconds until the slot that frees first leaves the window: the
-- (excess+1)-th oldest entry of the window.
CREATE FUNCTION acloud_retry_after(p_user text, p_class device_class, p_window interval,
                                   p_excess bigint, p_now timestamptz)
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT greatest(1, ceil(extract(epoch FROM (u.at + p_window - p_now)))::integer)
      FROM usage_ledger u
     WHERE u.user_id = p_user AND u.device_class = p_class AND u.at > p_now - p_window
     ORDER BY u.at
     OFFSET p_excess LIMIT 1
$$;

-- Cancels a queued task.  outcome: cancelled | not_found | conflict (with
-- the current state).  The row lock makes it safe against the scheduler's
-- claim: whichever commits first wins, the other sees the new state.
CREATE FUNCTION acloud_cancel_task(p_id uuid, p_user text, p_admin boolean,
                                   OUT outcome text, OUT state text)
LANGUAGE plpgsql AS $$
DECLARE
    v_state task_state;
BEGIN
    SELECT t.state INTO v_state FROM tasks t
     WHERE t.id = p_id AND (p_admin OR t.user_id = p_user) FOR UPDATE;
    IF NOT FOUND THEN outcome := 'not_found'; RETURN; END IF;
    IF v_state <> 'queued' THEN outcome := 'conflict'; state := v_state::text; RETURN; END IF;
    UPDATE tasks SET state = 'cancelled', updated_at = clock_timestamp(), finished_at = clock_timestamp()
     WHERE id = p_id;
    INSERT INTO task_history (task_id, state, detail) VALUES (p_id, 'cancelled', 'cancelled by ' || p_user);
    outcome := 'cancelled'; state := 'cancelled';
END
$$;

-- Deletes a task with everything of it.  outcome: deleted | not_found |
-- in_grace (inprogress for less than the grace; retry_after = seconds
-- left).  Deleting an inprogress task past the grace tells the scheduler
-- to abort it.
CREATE FUNCTION acloud_delete_task(p_id uuid, p_user text, p_admin boolean, p_grace_s integer,
                                   OUT outcome text, OUT retry_after integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_state task_state;
    v_started timestamptz;
    v_left double precision;
BEGIN
    SELECT t.state, t.started_at INTO v_state, v_started FROM tasks t
     WHERE t.id = p_id AND (p_admin OR t.user_id = p_user) FOR UPDATE;
    IF NOT FOUND THEN outcome := 'not_found'; RETURN; END IF;
    IF v_state = 'inprogress' THEN
        v_left := p_grace_s - extract(epoch FROM clock_timestamp() - coalesce(v_started, clock_timestamp()));
        IF v_left > 0 THEN
            outcome := 'in_grace'; retry_after := ceil(v_left)::integer; RETURN;
        END IF;
        PERFORM pg_notify('acloud_abort', p_id::text);
    END IF;
    DELETE FROM tasks WHERE id = p_id;
    outcome := 'deleted';
END
$$;

GRANT EXECUTE ON FUNCTION acloud_create_task, acloud_retry_after, acloud_cancel_task, acloud_delete_task TO acloud_app;
