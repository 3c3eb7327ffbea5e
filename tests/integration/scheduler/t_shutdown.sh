#!/bin/bash
# SIGTERM: no new claims, running tasks finish within shutdown_timeout_s,
# queued ones stay queued, exit 0; past the timeout a run that reached its
# device fails and the process still exits 0.  SIGHUP reloads devices.yml:
# new devices appear, removed ones become configured = false, and an
# invalid file keeps the last good registry.
. "$(dirname "$0")/lib.sh"

cat >"$T/cmd.sh" <<'SH'
#!/bin/sh
cat >/dev/null
sleep "$1"
echo '[[1]]'
SH
chmod +x "$T/cmd.sh"
SHUTDOWN_S=10 write_config s1
cat >"$T/s1-devices.yml" <<YML
devices:
  - {name: cmd-1, class: REDAC, driver: command, command: ["$T/cmd.sh", "2"]}
  - {name: sim-1, class: SIMULATOR, driver: simulator}
YML

# Graceful: the running task finishes.
start_sched s1
pid=$LAST_PID
check "devices up" wait_sql "SELECT count(*) = 2 FROM devices WHERE available" 10
enqueue_runs cmd-1 REDAC 3
check "first task runs" wait_sql "SELECT count(*) = 1 FROM tasks WHERE state = 'inprogress'" 5
kill -TERM "$pid"
start=$(date +%s)
wait "$pid"
eq "exit status 0" "$?" 0
SCHED_PIDS=()
check "waited for the running task (about 2 s)" test $(( $(date +%s) - start )) -le 4
eq "the running task succeeded, the others stay queued" "$(q "SELECT string_agg(state::text, ',' ORDER BY created_at) FROM tasks")" \
	"succeeded,queued,queued"

# SIGHUP: add, remove, invalid.
q "DELETE FROM tasks" >/dev/null
sed -i 's/"2"\]/"30"]/' "$T/s1-devices.yml"
SHUTDOWN_S=1 write_config s1
start_sched s1
pid=$LAST_PID
check "devices up again" wait_sql "SELECT count(*) = 2 FROM devices WHERE available" 10
cat >>"$T/s1-devices.yml" <<YML
  - {name: sim-new, class: SIMULATOR, driver: simulator}
YML
kill -HUP "$pid"
check "reload: a new device appears and is available" wait_sql "SELECT available AND configured FROM devices WHERE name = 'sim-new'" 5
enqueue_runs sim-new SIMULATOR 2
check "reload: the new device serves tasks" wait_sql "SELECT count(*) = 2 FROM tasks WHERE device_name = 'sim-new' AND state = 'succeeded'" 5
cp "$T/s1-devices.yml" "$T/good.yml"
echo "  - {name: broken" >>"$T/s1-devices.yml"
kill -HUP "$pid"
sleep 0.5
check "reload: an invalid file is refused" grep -q "keeping the last good devices" "$T/s1.log"
eq "reload: the registry is unchanged" "$(q "SELECT count(*) FROM devices WHERE configured")" 3
grep -v "sim-new\|broken" "$T/good.yml" >"$T/s1-devices.yml"
kill -HUP "$pid"
check "reload: a removed device is unconfigured" wait_sql "SELECT NOT configured AND NOT available FROM devices WHERE name = 'sim-new'" 5
check "scheduler still alive after reloads" kill -0 "$pid"

# Past the timeout: the long run on the command device fails, exit 0.
enqueue_runs cmd-1 REDAC 1
check "long task runs" wait_sql "SELECT count(*) = 1 FROM tasks WHERE state = 'inprogress'" 5
kill -TERM "$pid"
start=$(date +%s)
wait "$pid"
eq "exit status 0 after the timeout" "$?" 0
SCHED_PIDS=()
check "stopped after about shutdown_timeout_s" test $(( $(date +%s) - start )) -le 3
eq "the run that reached its device failed" "$(q "SELECT state || ': ' || error FROM tasks WHERE device_name = 'cmd-1'")" \
	"failed: the scheduler shut down before the task finished"

finish_test
