#!/bin/bash
# Cancel while queued never runs: the API's cancel (acloud_cancel_task) and
# the scheduler's claim never both win, also when they race.
. "$(dirname "$0")/lib.sh"

cat >"$T/slow.sh" <<'SH'
#!/bin/sh
cat >/dev/null
sleep 2
echo '[[0]]'
SH
chmod +x "$T/slow.sh"
write_config s1
cat >"$T/s1-devices.yml" <<YML
devices:
  - {name: cmd-1, class: REDAC, driver: command, command: ["$T/slow.sh"]}
  - {name: sim-1, class: SIMULATOR, driver: simulator}
  - {name: sim-2, class: SIMULATOR, driver: simulator}
  - {name: sim-3, class: SIMULATOR, driver: simulator}
YML
start_sched s1
check "devices up" wait_sql "SELECT count(*) = 4 FROM devices WHERE available" 10

# A queued behind a running task, cancelled, stays cancelled.
enqueue_runs cmd-1 REDAC 2
first=$(task_ids cmd-1 | head -1)
second=$(task_ids cmd-1 | tail -1)
check "first task runs" wait_sql "SELECT state = 'inprogress' FROM tasks WHERE id = '$first'" 5
eq "cancel of the queued one succeeds" "$(q "SELECT outcome FROM acloud_cancel_task('$second', 'tester', false)")" cancelled
eq "cancel of the running one is a conflict" "$(q "SELECT outcome || ' ' || state FROM acloud_cancel_task('$first', 'tester', false)")" "conflict inprogress"
check "first task finishes" wait_sql "SELECT state = 'succeeded' FROM tasks WHERE id = '$first'" 10
sleep 2.5
eq "cancelled task never ran" "$(q "SELECT state || ' ' || (SELECT count(*) FROM task_history WHERE task_id = '$second'
	AND state = 'inprogress') || ' ' || (SELECT count(*) FROM task_log WHERE task_id = '$second') FROM tasks WHERE id = '$second'")" "cancelled 0 0"

# A race: 300 tasks being claimed while 150 random ones are cancelled.
for d in sim-1 sim-2 sim-3; do enqueue_runs "$d" SIMULATOR 100; done
q "SELECT id FROM tasks WHERE device_name LIKE 'sim-%' ORDER BY random() LIMIT 150" |
	awk '{ printf "SELECT outcome FROM acloud_cancel_task(%c%s%c, %ctester%c, false);\nSELECT pg_sleep(0.003);\n", 39, $1, 39, 39, 39 }' |
	psql -XAtq >"$T/cancel.out"
check "all sim tasks end" wait_sql "SELECT count(*) = 300 FROM tasks WHERE device_name LIKE 'sim-%'
	AND state IN ('succeeded', 'cancelled')" 60
cancelled=$(grep -c '^cancelled$' "$T/cancel.out")
eq "every successful cancel left a cancelled task" "$(q "SELECT count(*) FROM tasks WHERE state = 'cancelled' AND device_name LIKE 'sim-%'")" "$cancelled"
check "the race happened both ways (some cancels lost to a claim)" test "$cancelled" -gt 0 -a "$cancelled" -lt 150
eq "no cancelled task was ever in progress" "$(q "SELECT count(*) FROM tasks t JOIN task_history h ON h.task_id = t.id
	WHERE t.state = 'cancelled' AND h.state = 'inprogress'")" 0
eq "no succeeded task was ever cancelled" "$(q "SELECT count(*) FROM tasks t JOIN task_history h ON h.task_id = t.id
	WHERE t.state = 'succeeded' AND h.state = 'cancelled'")" 0
eq "no cancelled task has a result" "$(q "SELECT count(*) FROM tasks t JOIN task_blobs b ON b.task_id = t.id
	AND b.kind = 'result' WHERE t.state = 'cancelled'")" 0

finish_test
