-- 010_dispatch: fair dispatch and queue figures that do not read the queue.
--
-- queue_users holds, per queue, user and priority, how many of that user's
-- tasks are queued there and when the user was last served (a sequence
-- number).  A trigger on tasks keeps the counts exact in the transaction
-- that changes a task's state, so
--   * the claim serves a queue round-robin across users within a priority
--     level: among the users with queued tasks at the highest level, the
--     one served longest ago (never: first) gets its oldest task;
--   * GET /devices sums a queue's counts instead of counting its rows;
--   * a task's queue_position is computed from the counts of the other
--     users plus the user's own tasks ahead of it.
-- The claim's probe into one user's queue uses tasks_queue_user_idx.

CREATE SEQUENCE queue_serve_seq;

CREATE TABLE queue_users (
    queue       text NOT NULL,
    user_id     text NOT NULL,
    priority    integer NOT NULL,
    queued      integer NOT NULL DEFAULT 0 CHECK (queued >= 0),
    last_served bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (queue, user_id, priority)
);
-- The claim's order: the users with work, highest level first, then the
-- one served longest ago.
CREATE INDEX queue_users_turn_idx ON queue_users (queue, priority DESC, last_served, user_id)
    WHERE queued > 0;

CREATE INDEX tasks_queue_user_idx ON tasks (queue, user_id, priority, created_at, id)
    WHERE state = 'queued';

-- Counts a task that enters or leaves the queue by an UPDATE into (or out
-- of) its queue_users row.  A task leaving the queue for a device or a
-- compiler (state inprogress) marks its user
-- served, which moves the user to the back of its level.  It runs as the
-- schema owner, so the runtime role can read the counts but not set them.
CREATE FUNCTION acloud_queue_users_count() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF OLD.state = 'queued' THEN
        UPDATE queue_users
           SET queued = queued - 1,
               last_served = CASE WHEN NEW.state = 'inprogress'
                                  THEN nextval('queue_serve_seq') ELSE last_served END
         WHERE queue = OLD.queue AND user_id = OLD.user_id AND priority = OLD.priority;
    END IF;
    IF NEW.state = 'queued' THEN
        INSERT INTO queue_users AS u (queue, user_id, priority, queued)
        VALUES (NEW.queue, NEW.user_id, NEW.priority, 1)
        ON CONFLICT (queue, user_id, priority) DO UPDATE SET queued = u.queued + 1;
    END IF;
    RETURN NULL;
END
$$;

-- Creations and deletions come in sets (a batch of 1 000 runs, a user's
-- purge): counted once per statement and user, from the transition table,
-- so a batch writes one queue_users row version per user instead of one
-- per task (each version is a dead tuple that readers of the counts step
-- over until vacuum).
CREATE FUNCTION acloud_queue_users_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO queue_users AS u (queue, user_id, priority, queued)
    SELECT n.queue, n.user_id, n.priority, count(*) FROM new_tasks n
     WHERE n.state = 'queued' GROUP BY n.queue, n.user_id, n.priority
     ORDER BY n.queue, n.user_id, n.priority
    ON CONFLICT (queue, user_id, priority) DO UPDATE SET queued = u.queued + EXCLUDED.queued;
    RETURN NULL;
END
$$;

CREATE FUNCTION acloud_queue_users_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE queue_users u SET queued = u.queued - o.n
      FROM (SELECT queue, user_id, priority, count(*) AS n FROM old_tasks
             WHERE state = 'queued' GROUP BY queue, user_id, priority) o
     WHERE u.queue = o.queue AND u.user_id = o.user_id AND u.priority = o.priority;
    RETURN NULL;
END
$$;

CREATE TRIGGER tasks_queue_users_ins AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION acloud_queue_users_insert();
CREATE TRIGGER tasks_queue_users_upd AFTER UPDATE OF state, queue, user_id, priority ON tasks
    FOR EACH ROW WHEN (OLD.state = 'queued' OR NEW.state = 'queued')
    EXECUTE FUNCTION acloud_queue_users_count();
CREATE TRIGGER tasks_queue_users_del AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION acloud_queue_users_delete();

INSERT INTO queue_users (queue, user_id, priority, queued)
SELECT queue, user_id, priority, count(*) FROM tasks WHERE state = 'queued'
 GROUP BY queue, user_id, priority;

GRANT SELECT ON queue_users TO acloud_app;

-- Where a queued task stands in the fair order if nothing new arrives: the
-- tasks of higher levels, the user's own older tasks at its level (r), and
-- of every other user at the level min(queued, r), plus one more of those
-- whose turn comes before this user's.  While a reservation of the device
-- runs (009_reservations), its holder's queued tasks all go first for
-- everybody else, and the holder waits only for its own.  Reads the
-- queue_users rows of one queue and the user's own tasks ahead, never the
-- whole queue.
--
-- plpgsql rather than sql: a worker's connection keeps the plan of its
-- query (generic after five calls, 0.2-0.4 ms), where a sql function's body
-- is planned again on every call of the query that uses it (2 ms).
CREATE FUNCTION acloud_queue_position(p_queue text, p_user text, p_priority integer,
                                      p_created timestamptz, p_id uuid) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (WITH mine AS (
        SELECT count(*) AS ahead FROM tasks q
         WHERE q.queue = p_queue AND q.user_id = p_user AND q.priority = p_priority
           AND q.state = 'queued' AND (q.created_at, q.id) < (p_created, p_id)
    ), turn AS (
        SELECT coalesce((SELECT last_served FROM queue_users
                          WHERE queue = p_queue AND user_id = p_user AND priority = p_priority), 0) AS at
    ), holder AS (
        SELECT (SELECT v.user_id FROM reservations v
                 WHERE p_queue LIKE 'device:%' AND v.device_name = substr(p_queue, 8)
                   AND v.period @> now()) AS id
    ), r AS (
        -- other: another user holds the device; alone: the caller holds it.
        SELECT CASE WHEN holder.id <> p_user THEN holder.id END AS other,
               coalesce(holder.id = p_user, false) AS alone
          FROM holder
    )
    SELECT 1 + mine.ahead
         + coalesce((SELECT sum(u.queued) FROM queue_users u
                      WHERE u.queue = p_queue AND u.priority > p_priority AND u.queued > 0
                        AND u.user_id IS DISTINCT FROM r.other
                        AND (NOT r.alone OR u.user_id = p_user)), 0)
         + coalesce((SELECT sum(least(u.queued, mine.ahead
                                + CASE WHEN (u.last_served, u.user_id) < (turn.at, p_user)
                                       THEN 1 ELSE 0 END))
                       FROM queue_users u
                      WHERE u.queue = p_queue AND u.priority = p_priority AND u.queued > 0
                        AND u.user_id <> p_user AND u.user_id IS DISTINCT FROM r.other
                        AND NOT r.alone), 0)
         + coalesce((SELECT sum(u.queued) FROM queue_users u
                      WHERE u.queue = p_queue AND u.user_id = r.other AND u.queued > 0), 0)
      FROM mine, turn, r);
END
$$;
GRANT EXECUTE ON FUNCTION acloud_queue_position TO acloud_app;

-- A bound on every statement of the runtime role: the slowest legitimate
-- one (storing or reading a 32 MB blob on a loaded server) takes well under
-- a second; a statement that runs 30 s is a bug or an attack.  Setting a
-- role's defaults needs CREATEROLE; a schema owner without it is told to
-- have the database administrator run the statement (operator guide),
-- unless the administrator has already set one.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                WHERE r.rolname = 'acloud_app'
                  AND EXISTS (SELECT 1 FROM unnest(s.setconfig) c WHERE c LIKE 'statement_timeout=%')) THEN
        RETURN;
    END IF;
    EXECUTE format('ALTER ROLE acloud_app IN DATABASE %I SET statement_timeout = %L',
                   current_database(), '30s');
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'cannot set statement_timeout for acloud_app; as a superuser run: '
                  'ALTER ROLE acloud_app IN DATABASE % SET statement_timeout = ''30s''',
                  current_database();
END
$$;
