#!/bin/bash
# PostgreSQL restarts while tasks run: the scheduler keeps running, the
# command run in flight finishes and its result and log are stored once
# the database is back, the session is re-established (LISTEN again: with
# a 60 s poll, only a NOTIFY can dispatch a new task quickly), and the
# device locks are taken again.
. "$(dirname "$0")/lib.sh"

cat >"$T/cmd.sh" <<'SH'
#!/bin/sh
cat >/dev/null
echo "cmd: before" >&2
sleep 3
echo "cmd: after" >&2
echo '[[42]]'
SH
chmod +x "$T/cmd.sh"
POLL_MS=60000 HEARTBEAT_S=1 write_config s1
cat >"$T/s1-devices.yml" <<YML
devices:
  - {name: sim-1, class: SIMULATOR, driver: simulator}
  - {name: cmd-1, class: REDAC, driver: command, command: ["$T/cmd.sh"]}
YML
start_sched s1
pid=$LAST_PID
check "devices up" wait_sql "SELECT count(*) = 2 FROM devices WHERE available" 10
enqueue_runs cmd-1 REDAC 1
id=$(task_ids cmd-1)
check "command task runs" wait_sql "SELECT state = 'inprogress' FROM tasks WHERE id = '$id'" 5
sleep 0.5
pg_stop
sleep 1.5
check "scheduler survives the outage" kill -0 "$pid"
pg_start
check "the run in flight is stored after the restart" wait_sql "SELECT state = 'succeeded' FROM tasks WHERE id = '$id'" 15
eq "its result" "$(q "SELECT convert_from(data, 'UTF8') FROM task_blobs WHERE task_id = '$id' AND kind = 'result'")" "[[42]]"
eq "its log lines, in order, none lost" "$(q "SELECT string_agg(line, '|' ORDER BY seq) FROM task_log WHERE task_id = '$id' AND line LIKE 'cmd:%'")" \
	"cmd: before|cmd: after"
for _ in $(seq 50); do [ "$(grep -c 'database session up' "$T/s1.log")" -ge 2 ] && break; sleep 0.1; done
eq "session re-established" "$(grep -c 'database session up' "$T/s1.log")" 2
check "devices locked again" test "$(grep -c 'driving device' "$T/s1.log")" -ge 4
enqueue_runs sim-1 SIMULATOR 1
sid=$(task_ids sim-1)
check "a new task is dispatched by NOTIFY (poll is 60 s)" wait_sql "SELECT state = 'succeeded' FROM tasks WHERE id = '$sid'" 3

# A second outage while idle.
pg_stop
sleep 1
pg_start
for _ in $(seq 50); do [ "$(grep -c 'database session up' "$T/s1.log")" -ge 3 ] && break; sleep 0.1; done
enqueue_runs sim-1 SIMULATOR 3
check "and after a second restart" wait_sql "SELECT count(*) = 4 FROM tasks WHERE device_name = 'sim-1' AND state = 'succeeded'" 5

finish_test
