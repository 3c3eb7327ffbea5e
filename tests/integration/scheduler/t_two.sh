#!/bin/bash
# Two schedulers on the same devices: the advisory lock per device lets
# exactly one drive each device; kill -9 the one driving them and the other
# takes over (locks die with the connection).  No device ever runs two tasks
# at once, no command run is executed twice, every task ends.  Then a
# graceful handover: SIGTERM releases the devices to a fresh scheduler.
. "$(dirname "$0")/lib.sh"

cat >"$T/cmd.sh" <<SH
#!/bin/sh
cat >/dev/null
echo run >> "$T/cmd-runs"
sleep 0.5
echo '[[1]]'
SH
chmod +x "$T/cmd.sh"
cat >"$T/devices.yml" <<YML
devices:
  - {name: sim-1, class: SIMULATOR, driver: simulator}
  - {name: sim-2, class: SIMULATOR, driver: simulator}
  - {name: sim-3, class: SIMULATOR, driver: simulator}
  - {name: cmd-1, class: REDAC, driver: command, command: ["$T/cmd.sh"]}
YML
for n in a b c; do
	LEASE_S=3 HEARTBEAT_S=1 POLL_MS=200 write_config "$n"
	cp "$T/devices.yml" "$T/$n-devices.yml"
done

start_sched a
pid_a=$LAST_PID
check "a drives all devices" wait_sql "SELECT count(*) = 4 FROM devices WHERE available" 10
sleep 0.3
start_sched b
pid_b=$LAST_PID
sleep 1
eq "b drives nothing while a lives" "$(grep -c 'driving device' "$T/b.log")" 0

BIG="{\"circuit\": $CIRCUIT, \"op_time\": 1, \"sample_rate\": 100000}"
for d in sim-1 sim-2 sim-3; do enqueue_runs "$d" SIMULATOR 100 1 "$BIG"; done
enqueue_runs cmd-1 REDAC 6
check "a is working" wait_sql "SELECT count(*) >= 10 FROM tasks WHERE state = 'succeeded'" 20
kill -9 "$pid_a"
wait "$pid_a" 2>/dev/null
check "b takes every device over" bash -c "for i in \$(seq 50); do [ \$(grep -c 'driving device' '$T/b.log') -eq 4 ] && exit 0; sleep 0.1; done; exit 1"
check "every task ends" wait_sql "SELECT count(*) = 0 FROM tasks WHERE state IN ('queued', 'inprogress')" 60
eq "all simulator tasks succeeded" "$(q "SELECT count(*) FROM tasks WHERE device_name LIKE 'sim-%' AND state = 'succeeded'")" 300
check "both schedulers ran tasks" test "$(q "SELECT count(DISTINCT split_part(detail, '/', 1)) FROM task_history WHERE state = 'inprogress'")" = 2
eq "no device ever ran two tasks at once" "$(q "
WITH runs AS (
  SELECT t.device_name, h.task_id, h.at AS s,
         (SELECT min(n.at) FROM task_history n WHERE n.task_id = h.task_id AND n.seq > h.seq) AS e
  FROM task_history h JOIN tasks t ON t.id = h.task_id WHERE h.state = 'inprogress')
SELECT count(*) FROM runs a JOIN runs b ON a.device_name = b.device_name AND (a.task_id, a.s) <> (b.task_id, b.s)
 AND a.s < b.e AND b.s < a.e")" 0
# A command task claimed by a, which died before the task reached the
# device, is requeued and runs on b; one that had reached it fails as lost
# (a may die before or after its program started).  So the program ran at
# least once per succeeded task and at most once per task that reached a
# device: never twice.
runs=$(wc -l <"$T/cmd-runs")
check "each command run executed once (succeeded <= runs <= reached)" test \
	"$(q "SELECT count(*) FILTER (WHERE state = 'succeeded') <= $runs
	   AND $runs <= count(*) FILTER (WHERE state = 'succeeded' OR error = 'scheduler lost while the task ran')
	   FROM tasks WHERE device_name = 'cmd-1'")" = t
eq "a task claimed twice was requeued in between (never run twice)" "$(q "SELECT count(*) FROM (SELECT task_id FROM task_history
	WHERE state = 'inprogress' GROUP BY task_id HAVING count(*) > 1) x
	WHERE NOT EXISTS (SELECT 1 FROM task_history q WHERE q.task_id = x.task_id AND q.state = 'queued' AND q.detail LIKE 'requeued%')")" 0

# Graceful handover: c waits, b stops, c drives.
start_sched c
sleep 0.5
kill -TERM "$pid_b"
wait "$pid_b"
eq "b exits 0 on SIGTERM" "$?" 0
SCHED_PIDS=("$LAST_PID")
check "c takes every device over" bash -c "for i in \$(seq 50); do [ \$(grep -c 'driving device' '$T/c.log') -eq 4 ] && exit 0; sleep 0.1; done; exit 1"
enqueue_runs sim-2 SIMULATOR 5
check "c serves new tasks" wait_sql "SELECT count(*) = 0 FROM tasks WHERE state IN ('queued', 'inprogress')" 10

finish_test
