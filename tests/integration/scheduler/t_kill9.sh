#!/bin/bash
# kill -9 of the scheduler mid-run, then a restart: every task ends terminal
# or back in the queue and then done, none is lost, none stays inprogress
# past the lease.  Simulator runs (idempotent) are requeued and rerun; a
# command run that had reached its device fails with a log line saying the
# scheduler was lost.
. "$(dirname "$0")/lib.sh"

cat >"$T/cmd.sh" <<'SH'
#!/bin/sh
cat >/dev/null
sleep 1.5
echo '[[1]]'
SH
chmod +x "$T/cmd.sh"
LEASE_S=3 HEARTBEAT_S=1 POLL_MS=200 write_config s1
cat >"$T/s1-devices.yml" <<YML
devices:
  - {name: sim-1, class: SIMULATOR, driver: simulator}
  - {name: sim-2, class: SIMULATOR, driver: simulator}
  - {name: cmd-1, class: REDAC, driver: command, command: ["$T/cmd.sh"]}
YML
BIG="{\"circuit\": $CIRCUIT, \"op_time\": 1, \"sample_rate\": 100000}"
enqueue_runs sim-1 SIMULATOR 100 1 "$BIG"
enqueue_runs sim-2 SIMULATOR 100 1 "$BIG"
enqueue_runs cmd-1 REDAC 3
start_sched s1
first=$LAST_PID
check "tasks running" wait_sql "SELECT count(*) >= 3 FROM tasks WHERE state = 'inprogress'" 10
check "some done" wait_sql "SELECT count(*) >= 5 FROM tasks WHERE state = 'succeeded'" 10
kill -9 "$first"
wait "$first" 2>/dev/null
SCHED_PIDS=()
inflight=$(q "SELECT count(*) FROM tasks WHERE state = 'inprogress'")
cmd_inflight=$(q "SELECT id FROM tasks WHERE state = 'inprogress' AND device_name = 'cmd-1'")
check "killed with tasks in flight ($inflight)" test "$inflight" -ge 2
check "a command run was in flight" test -n "$cmd_inflight"

start_sched s1
restart=$(date +%s.%N)
check "nothing inprogress past the lease" wait_sql "SELECT count(*) = 0 FROM tasks WHERE state = 'inprogress'
	AND started_at < now() - interval '3 seconds' - interval '2 seconds'" 10
check "every task ends" wait_sql "SELECT count(*) = 0 FROM tasks WHERE state IN ('queued', 'inprogress')" 60
eq "none lost" "$(q "SELECT count(*) FROM tasks")" 203
eq "all simulator tasks succeeded" "$(q "SELECT count(*) FROM tasks WHERE device_name LIKE 'sim-%' AND state = 'succeeded'")" 200
eq "the in-flight command run failed: scheduler lost" "$(q "SELECT state || ': ' || error FROM tasks WHERE id = '$cmd_inflight'")" \
	"failed: scheduler lost while the task ran"
check "its log says the scheduler was lost" grep -q "was lost while the task ran on the device" \
	<(q "SELECT line FROM task_log WHERE task_id = '$cmd_inflight'")
eq "the other command runs succeeded" "$(q "SELECT count(*) FROM tasks WHERE device_name = 'cmd-1' AND state = 'succeeded'")" 2
requeued=$(q "SELECT count(DISTINCT task_id) FROM task_history WHERE state = 'queued' AND detail LIKE 'requeued: its scheduler was lost%'")
eq "in-flight simulator runs were requeued" "$requeued" "$((inflight - 1))"
eq "each task succeeded at most once" "$(q "SELECT count(*) FROM (SELECT task_id FROM task_history WHERE state = 'succeeded'
	GROUP BY task_id HAVING count(*) > 1) x")" 0
elapsed=$(q "SELECT extract(epoch FROM max(at) - to_timestamp($restart)) < 6 FROM task_history WHERE detail LIKE 'requeued: its scheduler was lost%'
	OR detail = 'its scheduler was lost while the task ran'")
eq "rescued within the lease after the restart" "$elapsed" t

finish_test
