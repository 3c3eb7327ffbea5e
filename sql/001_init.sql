-- 001_init: devices, tasks, history, blobs, log lines, usage ledger.
--
-- Applied by `acloud-admin migrate` as the schema owner, inside one
-- transaction.  The runtime role (acloud_app) gets only the DML it needs;
-- it cannot alter the schema.  All objects live in the owner's schema
-- `public` of the database.

CREATE TYPE device_class AS ENUM ('SIMULATOR', 'LUCIDAC', 'REDAC');
CREATE TYPE task_type    AS ENUM ('compile', 'run');
CREATE TYPE task_state   AS ENUM ('queued', 'inprogress', 'succeeded', 'failed', 'cancelled');

-- The device registry is written by the scheduler from devices.yml.
CREATE TABLE devices (
    name        text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
    class       device_class NOT NULL,
    driver      text NOT NULL,
    entity      bytea,
    available   boolean NOT NULL DEFAULT false,
    configured  boolean NOT NULL DEFAULT true,  -- false: removed from devices.yml
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- queue: 'device:<name>' for run tasks, 'compile:<CLASS>' for compile tasks;
-- the NOTIFY payload and the claim both name it.
CREATE TABLE tasks (
    id                  uuid PRIMARY KEY,
    user_id             text NOT NULL,
    type                task_type NOT NULL,
    state               task_state NOT NULL DEFAULT 'queued',
    name                text,
    device_name         text,
    device_class        device_class NOT NULL,
    queue               text NOT NULL,
    priority            integer NOT NULL,
    op_time             double precision,
    sample_rate         integer,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    finished_at         timestamptz,
    heartbeat_at        timestamptz,
    claimed_by          text,
    reached_device      boolean NOT NULL DEFAULT false,
    error               text,
    result_content_type text,
    result_size         bigint
);

-- The hot queue index stays small: only queued rows are in it.
CREATE INDEX tasks_queue_idx ON tasks (queue, priority DESC, created_at, id)
    WHERE state = 'queued';
CREATE INDEX tasks_user_created_idx ON tasks (user_id, created_at DESC, id DESC);
CREATE INDEX tasks_created_idx ON tasks (created_at DESC, id DESC);
CREATE INDEX tasks_inflight_idx ON tasks (heartbeat_at) WHERE state = 'inprogress';

CREATE TABLE task_history (
    seq      bigserial PRIMARY KEY,
    task_id  uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    state    task_state NOT NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    detail   text
);
CREATE INDEX task_history_task_idx ON task_history (task_id, seq);

-- Blobs live apart from the churning tasks table.  kind: input | result.
CREATE TABLE task_blobs (
    task_id       uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('input', 'result')),
    content_type  text NOT NULL,
    data          bytea NOT NULL,
    PRIMARY KEY (task_id, kind)
);
ALTER TABLE task_blobs ALTER COLUMN data SET STORAGE EXTERNAL;

-- The log is appended line by line while a task runs.
CREATE TABLE task_log (
    seq      bigserial PRIMARY KEY,
    task_id  uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    at       timestamptz NOT NULL DEFAULT now(),
    line     text NOT NULL
);
CREATE INDEX task_log_task_idx ON task_log (task_id, seq);

-- One row per run task created; no foreign key, so deleting a task never
-- gives quota back.
CREATE TABLE usage_ledger (
    seq           bigserial PRIMARY KEY,
    user_id       text NOT NULL,
    device_class  device_class NOT NULL,
    task_id       uuid NOT NULL,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_ledger_window_idx ON usage_ledger (user_id, device_class, at);

-- Deployment start, for /api/v1/system/status uptime.
CREATE TABLE deployment (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    started_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO deployment DEFAULT VALUES;

-- The runtime role is created by the operator (a role is cluster-wide, and
-- the schema owner need not be allowed to create roles).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'acloud_app') THEN
        RAISE EXCEPTION 'runtime role acloud_app does not exist: CREATE ROLE acloud_app LOGIN first';
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO acloud_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON devices, tasks, task_history, task_blobs, task_log TO acloud_app;
GRANT SELECT, INSERT ON usage_ledger TO acloud_app;
GRANT SELECT ON deployment TO acloud_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO acloud_app;

-- ISO 8601 UTC with microseconds and Z, the API's one time format.
CREATE FUNCTION iso_utc(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;
