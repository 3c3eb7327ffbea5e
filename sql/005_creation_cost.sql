-- 005_creation_cost: what the planner cost on every request.
--
-- Found with pg_stat_statements (calls vs plans) and perf on the backends
-- while bench/tasks.sh ran:
--
-- 1. iso_utc() was declared IMMUTABLE around to_char(), which is only
--    STABLE.  PostgreSQL inlines a SQL function only when its body is no
--    more volatile than its declaration, so every statement that formatted
--    a time ran the SQL-function executor instead, which parses and plans
--    the body again in each query (every status read, every creation).
--    Declared STABLE it is inlined into the caller's plan.
-- 2. The ledger range counts of acloud_create_task chose custom plans (the
--    generic plan's estimate was dearer), so they were planned again on
--    every call: about a fifth of a creation's backend CPU.  Generic plans
--    are as good for these key lookups and range scans.

ALTER FUNCTION iso_utc(timestamptz) STABLE;

ALTER FUNCTION acloud_create_task(uuid, text, task_type, text, text, device_class, boolean,
                                  integer, double precision, integer, text, text,
                                  integer[], integer[])
    SET plan_cache_mode = force_generic_plan;
