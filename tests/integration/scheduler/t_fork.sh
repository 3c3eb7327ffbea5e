#!/bin/bash
# The simulator driver forks the scheduler and runs the simulator library
# in the child; it does not exec acloud-sim.  Simulator tasks succeed with
# no acloud-sim anywhere (the scheduler alone in a directory, a PATH
# without the build dir); the running child is the scheduler's own image,
# in its own process group, with no signal blocked or ignored and no fd
# but 0-2 and its two pipes (not the database socket, not the signalfd);
# its progress lines reach the log while it runs; a bad input fails with
# acloud-sim's error line; abort, timeout and a forced shutdown kill it.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/bin"
cp "$SCHED_BIN" "$T/bin/acloud-scheduler"
SCHED_BIN="$T/bin/acloud-scheduler"
BARE_PATH=/usr/bin:/bin
check "no acloud-sim next to the scheduler or in its PATH" \
	test -z "$(PATH=$BARE_PATH command -v acloud-sim)" -a ! -e "$T/bin/acloud-sim"

# Four harmonic oscillators at k = 10000 with x10 upscaling: seconds of work.
SLOW='{"/0":{"/U":{"outputs":[0,1,2,3,4,5,6,7,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null],"constant":false},"/C":{"elements":[-1,1,-1,1,-1,1,-1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]},"/I":{"outputs":[[1],[0],[3],[2],[5],[4],[7],[6],[],[],[],[],[],[],[],[]],"upscaling":[true,true,true,true,true,true,true,true,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false]},"/M0":{"elements":[{"k":10000,"ic":0.5},{"k":10000,"ic":0},{"k":10000,"ic":0.5},{"k":10000,"ic":0},{"k":10000,"ic":0.5},{"k":10000,"ic":0},{"k":10000,"ic":0.5},{"k":10000,"ic":0}]},"/M1":{}},"adc_channels":[0]}'
SLOW_INPUT="{\"circuit\": $SLOW, \"op_time\": 10, \"sample_rate\": 1000}"

HEARTBEAT_S=1 SHUTDOWN_S=1 write_config s1
cat >"$T/s1-devices.yml" <<YML
devices:
  - {name: sim-1, class: SIMULATOR, driver: simulator}
  - {name: sim-short, class: SIMULATOR, driver: simulator, timeout_s: 2}
YML
PATH=$BARE_PATH start_sched s1
spid=$LAST_PID
check "devices up" wait_sql "SELECT count(*) = 2 FROM devices WHERE available" 10

# Trivial tasks: the result and the log are what acloud-sim gave.
enqueue_runs sim-1 SIMULATOR 20
check "20 simulator tasks end" wait_sql "SELECT count(*) = 20 FROM tasks WHERE state IN ('succeeded', 'failed')" 20
eq "all succeeded with the measurement list" "$(q "SELECT count(*) FROM tasks t JOIN task_blobs b ON b.task_id = t.id
	AND b.kind = 'result' WHERE t.state = 'succeeded' AND t.result_content_type = 'application/json'
	AND convert_from(b.data, 'UTF8') = E'[[-0.5]]\n'")" 20
id=$(task_ids sim-1 | head -1)
eq "the log has the progress and summary lines" "$(q "SELECT string_agg(regexp_replace(line, ',.*', ''), '|' ORDER BY seq)
	FROM task_log WHERE task_id = '$id' AND line NOT LIKE 'scheduler %'")" "progress 100%|done: 1 samples x 1 channels"
q "DELETE FROM tasks" >/dev/null

enqueue_runs sim-1 SIMULATOR 1 1 '{"circuit_apb": "!!", "op_time": 0.001, "sample_rate": 1000}'
enqueue_runs sim-1 SIMULATOR 1 1 "{\"circuit\": $CIRCUIT, \"op_time\": 100, \"sample_rate\": 1000}"
check "bad inputs fail" wait_sql "SELECT count(*) = 2 FROM tasks WHERE state = 'failed'" 10
eq "with acloud-sim's error line" "$(q "SELECT string_agg(error, '|' ORDER BY created_at) FROM tasks")" \
	"acloud-sim: error: circuit_apb must be a base64 string|acloud-sim: error: op_time 100 s out of range (0, 10]"
q "DELETE FROM tasks" >/dev/null

# sim_child DEVICE: waits for the device's task to run, sets CPID.
sim_child() {
	CPID=
	wait_sql "SELECT state = 'inprogress' FROM tasks WHERE device_name = '$1'" 10 || return 1
	for _ in $(seq 50); do
		CPID=$(ps -o pid= --ppid "$spid" | tr -d ' ' | head -1)
		[ -n "$CPID" ] && return 0
		sleep 0.1
	done
	return 1
}
# child_fds PID: the targets of its fds, one per line, "N target".
child_fds() { for f in /proc/"$1"/fd/*; do echo "${f##*/} $(readlink "$f")"; done; }

enqueue_runs sim-1 SIMULATOR 1 1 "$SLOW_INPUT"
id=$(task_ids sim-1)
check "slow task runs in a child" sim_child sim-1
eq "the child is the scheduler's image" "$(readlink "/proc/$CPID/exe")" "$(readlink "/proc/$spid/exe")"
eq "in its own process group" "$(ps -o pgid= -p "$CPID" | tr -d ' ')" "$CPID"
eq "no signal blocked or ignored" "$(grep -E '^Sig(Blk|Ign):' "/proc/$CPID/status" | awk '{ print $2 }' | sort -u)" 0000000000000000
fds=$(child_fds "$CPID")
eq "fds 0-2 only, stdout and stderr its pipes" \
	"$(echo "$fds" | awk '$1 >= 1 { print $1 ($2 ~ /^pipe:/ ? "p" : "x") }' | tr -d '\n')" 1p2p
check "the scheduler has a database socket the child lacks" grep -q socket: <(child_fds "$spid")
check "progress shows in the log while it runs" wait_sql "SELECT count(*) > 0 FROM task_log WHERE task_id = '$id'
	AND line LIKE 'progress %' AND (SELECT state = 'inprogress' FROM tasks WHERE id = '$id')" 10
q "UPDATE tasks SET started_at = now() - interval '200 seconds' WHERE id = '$id'" >/dev/null
eq "delete past the grace" "$(q "SELECT outcome FROM acloud_delete_task('$id', 'tester', false, 120)")" deleted
for _ in $(seq 30); do gone "$CPID" && break; sleep 0.1; done
check "abort killed the child" gone "$CPID"
sleep 0.3
eq "nothing stored for the deleted task" "$(q "SELECT (SELECT count(*) FROM task_log WHERE task_id = '$id')
	+ (SELECT count(*) FROM task_blobs WHERE task_id = '$id') + (SELECT count(*) FROM task_history WHERE task_id = '$id')")" 0

enqueue_runs sim-short SIMULATOR 1 1 "$SLOW_INPUT"
check "slow task on the 2 s device runs" sim_child sim-short
check "timeout: failed after 2 s" wait_sql "SELECT state = 'failed' AND error = 'timed out after 2 s: killed'
	AND finished_at - started_at < interval '4 s' FROM tasks WHERE device_name = 'sim-short'" 6
check "timeout killed the child" gone "$CPID"

enqueue_runs sim-1 SIMULATOR 1 1 "$SLOW_INPUT"
id=$(task_ids sim-1)
check "slow task runs again" sim_child sim-1
kill -TERM "$spid"
wait "$spid"
eq "forced shutdown: exit 0" "$?" 0
SCHED_PIDS=()
check "forced shutdown killed the child" gone "$CPID"
eq "forced shutdown: the simulator run is requeued" "$(q "SELECT state FROM tasks WHERE id = '$id'")" queued

finish_test
