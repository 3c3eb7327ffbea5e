#!/bin/bash
# 300 run tasks over three simulator devices all succeed, each device runs
# one task at a time, and each device serves its tasks in priority-then-age
# order, claiming each next task in the transaction that stores the last
# one's outcome; results, content types, sizes, history and log are all
# stored.
. "$(dirname "$0")/lib.sh"

write_config s1
cat >"$T/s1-devices.yml" <<YML
devices:
  - {name: sim-1, class: SIMULATOR, driver: simulator, entity: $SRC/tests/integration/scheduler/entity.bin}
  - {name: sim-2, class: SIMULATOR, driver: simulator}
  - {name: sim-3, class: SIMULATOR, driver: simulator}
YML
printf 'entity\000bytes\377' >"$T/entity.bin"
sed -i "s|$SRC/tests/integration/scheduler/entity.bin|$T/entity.bin|" "$T/s1-devices.yml"

# Queued before the scheduler starts, so the order is fully determined.
for d in sim-1 sim-2 sim-3; do
	enqueue_runs "$d" SIMULATOR 100 "(random() * 5)::int"
done
start_sched s1

check "registry written with entity" wait_sql "SELECT count(*) = 3 FROM devices WHERE configured AND available" 10
eq "entity bytes stored" "$(q "SELECT encode(entity, 'hex') FROM devices WHERE name = 'sim-1'")" \
	"$(od -An -tx1 "$T/entity.bin" | tr -d ' \n')"
check "all 300 tasks succeed" wait_sql "SELECT count(*) = 300 FROM tasks WHERE state = 'succeeded'" 120
eq "no other states" "$(q "SELECT count(*) FROM tasks WHERE state <> 'succeeded'")" 0

# Service order per device = order of the inprogress history entries.
eq "priority-then-age order on every device" "$(q "
WITH served AS (
  SELECT t.device_name, t.id, row_number() OVER (PARTITION BY t.device_name ORDER BY h.seq) AS served_rank,
         row_number() OVER (PARTITION BY t.device_name ORDER BY t.priority DESC, t.created_at, t.id) AS want_rank
  FROM tasks t JOIN task_history h ON h.task_id = t.id AND h.state = 'inprogress')
SELECT count(*) FROM served WHERE served_rank <> want_rank")" 0
eq "one task at a time per device" "$(q "
SELECT count(*) FROM tasks a JOIN tasks b ON a.device_name = b.device_name AND a.id <> b.id
 AND a.started_at < b.finished_at AND b.started_at < a.finished_at")" 0
eq "a busy device claims its next task in the finishing transaction" "$(q "
SELECT count(*) FROM tasks b WHERE EXISTS (SELECT 1 FROM tasks a WHERE a.device_name = b.device_name
 AND a.id <> b.id AND a.finished_at = b.started_at)")" 297
eq "history queued, inprogress, succeeded" "$(q "
SELECT count(*) FROM tasks t WHERE (SELECT string_agg(state::text, ',' ORDER BY seq) FROM task_history
  WHERE task_id = t.id) <> 'queued,inprogress,succeeded'")" 0
eq "result blobs with type and size" "$(q "
SELECT count(*) FROM tasks t JOIN task_blobs b ON b.task_id = t.id AND b.kind = 'result'
 WHERE b.content_type = 'application/json' AND t.result_content_type = 'application/json'
   AND t.result_size = octet_length(b.data) AND convert_from(b.data, 'UTF8')::jsonb = '[[-0.5]]'::jsonb")" 300
eq "timestamps set, claims cleared" "$(q "
SELECT count(*) FROM tasks WHERE started_at IS NOT NULL AND finished_at >= started_at
  AND heartbeat_at IS NULL AND claimed_by LIKE 's1/%' AND NOT reached_device")" 300
check "log lines stored" test "$(q "SELECT count(DISTINCT task_id) FROM task_log WHERE line LIKE 'scheduler s1/%'")" = 300

finish_test
