-- 009_reservations: running a shared lab.  Reservations and sessions of a
-- device (an exclusion constraint decides overlaps), maintenance mode
-- (kept here, so it survives restarts and every scheduler sees it), and
-- the counters and histograms behind GET /metrics that must outlive the
-- rows they count (users delete tasks, so a count over `tasks` could go
-- backwards).
--
-- btree_gist gives text equality a GiST operator class, which the
-- exclusion constraint (device_name WITH =, period WITH &&) needs.  It is a
-- trusted extension (PostgreSQL 13+, in the postgresql-15 server package),
-- so the database owner that runs the migrations may create it without
-- being a superuser.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- ---- maintenance ------------------------------------------------------------

-- `reachable` is the scheduler's last verdict; `available` (what the API
-- checks and shows) is reachable and not in maintenance.  The scheduler
-- writes both, maintenance writes `available` from `reachable`.
ALTER TABLE devices
    ADD COLUMN reachable boolean NOT NULL DEFAULT false,
    ADD COLUMN maintenance boolean NOT NULL DEFAULT false,
    ADD COLUMN maintenance_reason text CHECK (length(maintenance_reason) <= 1000),
    ADD COLUMN maintenance_since timestamptz;
UPDATE devices SET reachable = available;

CREATE FUNCTION acloud_set_maintenance(p_device text, p_enabled boolean, p_reason text)
RETURNS TABLE (ok boolean, since text)
LANGUAGE plpgsql AS $$
DECLARE
    v_since timestamptz;
BEGIN
    UPDATE devices d
       SET maintenance = p_enabled,
           maintenance_reason = CASE WHEN p_enabled THEN p_reason END,
           maintenance_since = CASE WHEN NOT p_enabled THEN NULL
                                    WHEN d.maintenance THEN d.maintenance_since
                                    ELSE now() END,
           available = d.reachable AND NOT p_enabled,
           updated_at = now()
     WHERE d.name = p_device AND d.configured
    RETURNING d.maintenance_since INTO v_since;
    IF NOT FOUND THEN
        ok := false;
        RETURN NEXT;
        RETURN;
    END IF;
    -- Back in service: its queue is worth a claim at once.
    IF NOT p_enabled THEN
        PERFORM pg_notify('acloud_tasks', 'device:' || p_device);
    END IF;
    ok := true;
    since := iso_utc(v_since);
    RETURN NEXT;
END
$$;

-- ---- reservations -----------------------------------------------------------

CREATE TABLE reservations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    device_name text NOT NULL CHECK (device_name ~ '^[A-Za-z0-9_.-]{1,64}$'),
    user_id     text NOT NULL,
    period      tstzrange NOT NULL CHECK (NOT isempty(period) AND lower_inc(period)
                                          AND NOT upper_inc(period)
                                          AND NOT lower_inf(period) AND NOT upper_inf(period)),
    kind        text NOT NULL CHECK (kind IN ('reservation', 'session')),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reservations_no_overlap EXCLUDE USING gist (device_name WITH =, period WITH &&)
);
CREATE INDEX reservations_user_idx ON reservations (user_id, lower(period));
GRANT SELECT, INSERT, UPDATE, DELETE ON reservations TO acloud_app;

-- A reservation's start and end are the scheduler's wake-up times: every
-- change names the device on acloud_reservations.
CREATE FUNCTION acloud_reservations_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('acloud_reservations',
                      'device:' || CASE WHEN TG_OP = 'DELETE' THEN OLD.device_name
                                        ELSE NEW.device_name END);
    RETURN NULL;
END
$$;
CREATE TRIGGER reservations_notify AFTER INSERT OR UPDATE OR DELETE ON reservations
    FOR EACH ROW EXECUTE FUNCTION acloud_reservations_notify();

-- A reservation ($3 start, $4 end) or a session (start NULL: now() for
-- $5 seconds).  p_forbidden: the caller may not take it (the worker
-- decides from auth.yml), answered after the device's existence, as the
-- contract orders 404 before 403.  The exclusion constraint decides between concurrent
-- requests: the loser waits for the winner's commit, fails, and names it.
CREATE FUNCTION acloud_create_reservation(p_device text, p_user text, p_start timestamptz,
                                          p_end timestamptz, p_duration_s integer,
                                          p_kind text, p_by text, p_forbidden boolean)
RETURNS TABLE (outcome text, id uuid, start_at text, end_at text, created_at text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_start timestamptz := coalesce(p_start, now());
    v_end timestamptz := coalesce(p_end, now() + make_interval(secs => p_duration_s));
    v_row reservations;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM devices d WHERE d.name = p_device AND d.configured) THEN
        outcome := 'device_not_found';
        RETURN NEXT;
        RETURN;
    END IF;
    IF p_forbidden THEN
        outcome := 'forbidden';
        RETURN NEXT;
        RETURN;
    END IF;
    BEGIN
        INSERT INTO reservations (device_name, user_id, period, kind, created_by)
        VALUES (p_device, p_user, tstzrange(v_start, v_end, '[)'), p_kind, p_by)
        RETURNING * INTO v_row;
    EXCEPTION WHEN exclusion_violation THEN
        -- The statement's own snapshot: the winner has committed by now.
        SELECT * INTO v_row FROM reservations r
         WHERE r.device_name = p_device AND r.period && tstzrange(v_start, v_end, '[)')
         ORDER BY lower(r.period) LIMIT 1;
        outcome := 'conflict';
        id := v_row.id;
        start_at := iso_utc(lower(v_row.period));
        end_at := iso_utc(upper(v_row.period));
        RETURN NEXT;
        RETURN;
    END;
    outcome := 'created';
    id := v_row.id;
    start_at := iso_utc(lower(v_row.period));
    end_at := iso_utc(upper(v_row.period));
    created_at := iso_utc(v_row.created_at);
    RETURN NEXT;
END
$$;

-- DELETE: the holder or an admin.  An upcoming reservation goes, a running
-- one ends now (kept, so the record shows it), an ended one stays.
CREATE FUNCTION acloud_end_reservation(p_id uuid, p_user text, p_admin boolean)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_row reservations;
BEGIN
    SELECT * INTO v_row FROM reservations r
     WHERE r.id = p_id AND (p_admin OR r.user_id = p_user) FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'not_found';
    END IF;
    IF upper(v_row.period) <= now() THEN
        RETURN 'ended_before';
    END IF;
    IF lower(v_row.period) >= now() THEN
        DELETE FROM reservations WHERE reservations.id = p_id;
        RETURN 'deleted';
    END IF;
    UPDATE reservations SET period = tstzrange(lower(v_row.period), now(), '[)')
     WHERE reservations.id = p_id;
    RETURN 'ended';
END
$$;

-- ---- metrics ----------------------------------------------------------------

-- Counters that only grow, whatever happens to the rows they count.
-- `labels` is the label set as written in the exposition format.
CREATE TABLE metric_counters (
    name   text NOT NULL,
    labels text NOT NULL,
    value  double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (name, labels)
);
-- Histograms: one row per bucket with its own count and sum (not
-- cumulative, so an observation updates one row); GET /metrics adds the
-- buckets up.
CREATE TABLE metric_buckets (
    name   text NOT NULL,
    labels text NOT NULL,
    le     double precision NOT NULL,
    count  bigint NOT NULL DEFAULT 0,
    sum    double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (name, labels, le)
);
GRANT SELECT, INSERT, UPDATE ON metric_counters, metric_buckets TO acloud_app;

-- The bucket bounds of the task histograms, in seconds.
CREATE FUNCTION acloud_metric_bounds() RETURNS double precision[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600,
                 'Infinity']::double precision[]
$$;

CREATE FUNCTION acloud_metric_add(p_name text, p_labels text, p_n double precision)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO metric_counters AS m (name, labels, value) VALUES (p_name, p_labels, p_n)
    ON CONFLICT (name, labels) DO UPDATE SET value = m.value + EXCLUDED.value
$$;

CREATE FUNCTION acloud_metric_observe(p_name text, p_labels text, p_value double precision)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO metric_buckets AS m (name, labels, le, count, sum)
    SELECT p_name, p_labels, min(b), 1, greatest(p_value, 0)
      FROM unnest(acloud_metric_bounds()) b WHERE b >= p_value
    ON CONFLICT (name, labels, le) DO UPDATE SET count = m.count + 1, sum = m.sum + EXCLUDED.sum
$$;
GRANT EXECUTE ON FUNCTION acloud_metric_add, acloud_metric_observe TO acloud_app;

-- Task figures at the moment a task changes state: a claim is a dispatch
-- (latency from creation), a final state a finish (and, if it ran, its
-- run duration).  In the same transaction as the change, so nothing is
-- counted twice or lost.
CREATE FUNCTION acloud_tasks_metrics() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_labels text := format('type="%s",device_class="%s"', NEW.type, NEW.device_class);
BEGIN
    IF NEW.state = 'inprogress' AND OLD.state = 'queued' AND NEW.started_at IS NOT NULL THEN
        PERFORM acloud_metric_observe('acloud_task_dispatch_latency_seconds', v_labels,
                                      extract(epoch FROM NEW.started_at - NEW.created_at));
    ELSIF NEW.state IN ('succeeded', 'failed', 'cancelled') THEN
        PERFORM acloud_metric_add('acloud_tasks_finished_total',
                                  v_labels || format(',outcome="%s"', NEW.state), 1);
        IF NEW.started_at IS NOT NULL AND OLD.state = 'inprogress' THEN
            PERFORM acloud_metric_observe('acloud_task_run_duration_seconds', v_labels,
                extract(epoch FROM coalesce(NEW.finished_at, now()) - NEW.started_at));
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_metrics AFTER UPDATE OF state ON tasks
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION acloud_tasks_metrics();

GRANT EXECUTE ON FUNCTION acloud_set_maintenance, acloud_create_reservation,
    acloud_end_reservation TO acloud_app;
