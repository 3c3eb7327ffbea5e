#!/bin/bash
# Fair dispatch (sql/010_dispatch.sql): within one priority level a device
# serves its users round-robin, in age order within each user; a higher
# level still goes first; queue_users counts stay exact; queue_position
# predicts the fair order.
. "$(dirname "$0")/lib.sh"

# enqueue_user USER DEVICE N [PRIORITY]: N tasks of USER, 1 ms apart.
enqueue_user() {
	ENQUEUE_USER=$1 enqueue_runs "$2" SIMULATOR "$3" "${4:-1}" >/dev/null
}

# served DEVICE: user of each task in the order the device started them.
served() {
	q "SELECT string_agg(t.user_id, ' ' ORDER BY h.seq) FROM tasks t
	   JOIN task_history h ON h.task_id = t.id AND h.state = 'inprogress' WHERE t.device_name = '$1'"
}

write_config s1
cat >"$T/s1-devices.yml" <<YML
devices:
  - {name: sim-1, class: SIMULATOR, driver: simulator}
  - {name: sim-2, class: SIMULATOR, driver: simulator}
  - {name: sim-3, class: SIMULATOR, driver: simulator}
YML

# Queued before the scheduler starts: the order is fully determined.
enqueue_user a sim-2 3
enqueue_user b sim-2 3
enqueue_user c sim-2 2
enqueue_user lo sim-3 5
enqueue_user hi sim-3 2 2
eq "queue_users counts the queued tasks" \
	"$(q "SELECT string_agg(user_id || ':' || priority || ':' || queued, ' ' ORDER BY queue, user_id)
	      FROM queue_users")" "a:1:3 b:1:3 c:1:2 hi:2:2 lo:1:5"
# b's third task: a's and b's first two, c's two, a's third before it.
eq "queue_position predicts the round-robin order" "$(q "
SELECT acloud_queue_position(queue, user_id, priority, created_at, id) FROM tasks
 WHERE user_id = 'b' ORDER BY created_at DESC LIMIT 1")" 8
eq "queue_position puts a higher level first" "$(q "
SELECT acloud_queue_position(queue, user_id, priority, created_at, id) FROM tasks
 WHERE user_id = 'lo' ORDER BY created_at LIMIT 1")" 3

start_sched s1
check "sim-2 and sim-3 drain" wait_sql "SELECT count(*) = 0 FROM tasks WHERE state <> 'succeeded'
  AND device_name IN ('sim-2', 'sim-3')" 60
eq "round-robin across users, age order within each" "$(served sim-2)" "a b c a b c a b"
eq "the higher level first" "$(served sim-3)" "hi hi lo lo lo lo lo"
eq "age order within a user" "$(q "
SELECT count(*) FROM (SELECT t.user_id, row_number() OVER (PARTITION BY t.user_id ORDER BY h.seq) AS s,
  row_number() OVER (PARTITION BY t.user_id ORDER BY t.created_at) AS a
  FROM tasks t JOIN task_history h ON h.task_id = t.id AND h.state = 'inprogress') x WHERE s <> a")" 0

# The issue's case, while the device is busy: A has 40 queued, B queues 1.
enqueue_user A sim-1 40
check "A is being served" wait_sql "SELECT count(*) >= 2 FROM tasks WHERE user_id = 'A'
  AND state <> 'queued'" 20
enqueue_user B sim-1 1
q "SELECT h.seq FROM task_history h JOIN tasks t ON t.id = h.task_id
   WHERE t.user_id = 'B' AND h.state = 'queued'" >"$T/mark"
check "sim-1 drains" wait_sql "SELECT count(*) = 0 FROM tasks WHERE state <> 'succeeded'" 60
rank=$(q "SELECT n FROM (SELECT t.user_id, row_number() OVER (ORDER BY h.seq) AS n
  FROM tasks t JOIN task_history h ON h.task_id = t.id AND h.state = 'inprogress'
 WHERE t.device_name = 'sim-1' AND h.seq > $(cat "$T/mark")) x WHERE user_id = 'B'")
check "B's task starts among the first 3 dispatches after it was queued (rank $rank)" \
	test "${rank:-99}" -le 3
eq "queue_users counts nothing queued" "$(q "SELECT coalesce(sum(queued), 0) FROM queue_users")" 0

finish_test
