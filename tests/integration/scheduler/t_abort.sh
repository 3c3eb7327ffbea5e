#!/bin/bash
# Delete of an inprogress task past the grace (acloud_delete_task, which
# NOTIFYs acloud_abort) stops the execution and stores nothing: the child
# process group is killed, a LUCIDAC gets stop_run.  A delete whose NOTIFY
# is lost is caught by the next heartbeat.  The device is free afterwards.
. "$(dirname "$0")/lib.sh"

cat >"$T/slow.sh" <<SH
#!/bin/sh
cat >/dev/null
echo \$\$ >> "$T/pids"
echo "slow: working" >&2
sleep 30
touch "$T/finished"
echo '[[0]]'
SH
cat >"$T/quick.sh" <<'SH'
#!/bin/sh
cat >/dev/null
echo '[[7]]'
SH
chmod +x "$T/slow.sh" "$T/quick.sh"
fake_lucidac slow
HEARTBEAT_S=1 write_config s1
cat >"$T/s1-devices.yml" <<YML
devices:
  - {name: cmd-1, class: REDAC, driver: command, command: ["$T/slow.sh"]}
  - {name: cmd-2, class: REDAC, driver: command, command: ["$T/quick.sh"]}
  - {name: luci-1, class: LUCIDAC, driver: lucidac, endpoint: "tcp://127.0.0.1:$FAKE_PORT", timeout_s: 60}
YML
start_sched s1
check "devices up" wait_sql "SELECT count(*) = 3 FROM devices WHERE available" 10

past_grace() { q "UPDATE tasks SET started_at = now() - interval '200 seconds' WHERE id = '$1'" >/dev/null; }

# Command device: delete through the API's function.
enqueue_runs cmd-1 REDAC 1
id=$(task_ids cmd-1)
check "command task runs" wait_sql "SELECT state = 'inprogress' FROM tasks WHERE id = '$id'" 5
for _ in $(seq 50); do [ -s "$T/pids" ] && break; sleep 0.1; done
sleep 0.3
eq "delete within the grace is refused" "$(q "SELECT outcome FROM acloud_delete_task('$id', 'tester', false, 120)")" in_grace
past_grace "$id"
eq "delete past the grace" "$(q "SELECT outcome FROM acloud_delete_task('$id', 'tester', false, 120)")" deleted
pid=$(head -1 "$T/pids")
for _ in $(seq 30); do gone "$pid" && break; sleep 0.1; done
check "the command was killed at once" gone "$pid"
check "scheduler logged the abort" grep -q "task $id deleted while in progress: aborting" "$T/s1.log"
sleep 0.5
eq "nothing stored for the deleted task" "$(q "SELECT (SELECT count(*) FROM tasks WHERE id = '$id') + (SELECT count(*) FROM task_log
	WHERE task_id = '$id') + (SELECT count(*) FROM task_blobs WHERE task_id = '$id') + (SELECT count(*) FROM task_history WHERE task_id = '$id')")" 0
enqueue_runs cmd-1 REDAC 1
id2=$(task_ids cmd-1)
check "the device takes the next task" wait_sql "SELECT state = 'inprogress' FROM tasks WHERE id = '$id2'" 5

# A delete without the NOTIFY: the heartbeat notices.
for _ in $(seq 50); do [ "$(wc -l <"$T/pids")" -ge 2 ] && break; sleep 0.1; done
pid2=$(sed -n 2p "$T/pids")
q "DELETE FROM tasks WHERE id = '$id2'" >/dev/null
for _ in $(seq 40); do gone "$pid2" && break; sleep 0.1; done
check "lost NOTIFY: the heartbeat aborts the deleted task" gone "$pid2"
check "scheduler logged it" grep -q "task $id2 is no longer ours" "$T/s1.log"

# LUCIDAC: delete mid-run sends stop_run.
enqueue_runs luci-1 LUCIDAC 1 1 "{\"circuit\": $CIRCUIT, \"op_time\": 5, \"sample_rate\": 1000}"
lid=$(task_ids luci-1)
check "LUCIDAC task runs" wait_sql "SELECT state = 'inprogress' FROM tasks WHERE id = '$lid'" 5
for _ in $(seq 50); do grep -q start_run "$T/fake-slow.log" && break; sleep 0.1; done
sleep 0.5
past_grace "$lid"
eq "LUCIDAC delete past the grace" "$(q "SELECT outcome FROM acloud_delete_task('$lid', 'tester', false, 120)")" deleted
for _ in $(seq 30); do grep -q '^stop_run$' "$T/fake-slow.log" && break; sleep 0.1; done
check "the device got stop_run" grep -q '^stop_run$' "$T/fake-slow.log"

check "the aborted command never finished" test ! -e "$T/finished"
enqueue_runs cmd-2 REDAC 1
check "other devices keep working" wait_sql "SELECT state = 'succeeded' FROM tasks WHERE device_name = 'cmd-2'" 5

finish_test
