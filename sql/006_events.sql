-- 006_events: one ordered, durable event id per state change and log line,
-- and a notification of it in the transaction that writes it.
--
-- acloud-events streams a task's history and log lines (and each user's
-- state changes) over Server-Sent Events.  A client that reconnects with
-- Last-Event-ID must get exactly what it missed, so the id must be durable
-- (a row, not a counter in the events process) and ordered by commit: a
-- reader that has seen id N must never later find a smaller id committed.
-- A bigserial drawn when the row is inserted is not enough (two
-- transactions can commit in the other order), so the id is drawn at
-- commit time, by a deferred trigger, under a transaction-level advisory
-- lock that is held until the commit is visible.  A transaction that
-- NOTIFYs already serialises on PostgreSQL's notify queue lock from the
-- same point to its end, so the lock adds no new serialisation.
--
-- The notification carries only "<id> <task_id> <kind> <user_id>" (a
-- payload is limited to 8000 bytes and log lines can be longer); the
-- events process reads the event's row when a subscriber wants it.

CREATE TABLE task_events (
    id           bigint PRIMARY KEY,
    task_id      uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    user_id      text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('state', 'log')),
    history_seq  bigint,  -- kind state: task_history.seq
    log_seq      bigint   -- kind log: task_log.seq
);
CREATE SEQUENCE task_events_id_seq OWNED BY task_events.id;
CREATE INDEX task_events_task_idx ON task_events (task_id, id);
CREATE INDEX task_events_user_state_idx ON task_events (user_id, id) WHERE kind = 'state';

-- The events of the tasks that exist already, in the order they happened.
INSERT INTO task_events (id, task_id, user_id, kind, history_seq, log_seq)
SELECT nextval('task_events_id_seq'), s.task_id, s.user_id, s.kind, s.history_seq, s.log_seq
  FROM (SELECT e.* FROM (
          SELECT h.task_id, t.user_id, 'state' AS kind, h.seq AS history_seq,
                 NULL::bigint AS log_seq, h.at, 0 AS ord, h.seq
            FROM task_history h JOIN tasks t ON t.id = h.task_id
          UNION ALL
          SELECT l.task_id, t.user_id, 'log', NULL, l.seq, l.at, 1, l.seq
            FROM task_log l JOIN tasks t ON t.id = l.task_id) e
        ORDER BY e.at, e.ord, e.seq) s;

-- One row of task_history or task_log becomes an event at commit.
CREATE FUNCTION acloud_task_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_user text;
    v_id bigint;
BEGIN
    -- Ids in commit order: drawn under a lock held until the commit ends.
    PERFORM pg_advisory_xact_lock(hashtextextended('acloud_task_events', 0));
    SELECT t.user_id INTO v_user FROM tasks t WHERE t.id = NEW.task_id;
    IF NOT FOUND THEN
        RETURN NULL;  -- deleted in the same transaction
    END IF;
    v_id := nextval('task_events_id_seq');
    IF TG_ARGV[0] = 'state' THEN
        INSERT INTO task_events (id, task_id, user_id, kind, history_seq)
        VALUES (v_id, NEW.task_id, v_user, 'state', NEW.seq);
    ELSE
        INSERT INTO task_events (id, task_id, user_id, kind, log_seq)
        VALUES (v_id, NEW.task_id, v_user, 'log', NEW.seq);
    END IF;
    PERFORM pg_notify('acloud_events', v_id || ' ' || NEW.task_id || ' ' || TG_ARGV[0] || ' ' || v_user);
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER task_history_event AFTER INSERT ON task_history
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION acloud_task_event('state');
CREATE CONSTRAINT TRIGGER task_log_event AFTER INSERT ON task_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION acloud_task_event('log');

GRANT SELECT, INSERT ON task_events TO acloud_app;
GRANT USAGE ON SEQUENCE task_events_id_seq TO acloud_app;
GRANT SELECT ON SEQUENCE task_events_id_seq TO acloud_app;
