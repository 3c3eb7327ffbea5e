#!/bin/bash
# The command driver and the compilers: the same child-process mechanism.
# A command succeeds (JSON on stdout, stderr in the log), fails (its last
# stderr line is the error), times out (the whole process group is killed),
# or is missing (device not available).  Compile tasks run the configured
# compiler with the source on stdin, at most `concurrency` at once, and the
# real acloud-compile turns a source into an APB or fails naming the line.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/cmd"
cat >"$T/cmd/ok.sh" <<'SH'
#!/bin/sh
input=$(cat)
case "$input" in *'"circuit"'*) ;; *) echo "no circuit on stdin" >&2; exit 2 ;; esac
echo "cmd: hello from the device" >&2
echo '[[1,2,3]]'
SH
cat >"$T/cmd/fail.sh" <<'SH'
#!/bin/sh
cat >/dev/null
echo "cmd: starting" >&2
echo "boom: the device rejected the circuit" >&2
exit 3
SH
cat >"$T/cmd/slow.sh" <<SH
#!/bin/sh
cat >/dev/null
sleep 60 &
echo \$! > "$T/cmd/grandchild.pid"
echo \$\$ > "$T/cmd/child.pid"
sleep 60
echo '[[0]]'
SH
cat >"$T/cmd/fakecc.sh" <<SH
#!/bin/sh
# A stand-in compiler: records when it ran, sleeps, echoes the source back.
echo "start \$(date +%s.%N)" >> "$T/cmd/cc.log"
sleep 1
cat
echo "end \$(date +%s.%N)" >> "$T/cmd/cc.log"
SH
chmod +x "$T"/cmd/*.sh

write_config s1
cat >"$T/s1-devices.yml" <<YML
devices:
  - {name: cmd-ok, class: REDAC, driver: command, command: ["$T/cmd/ok.sh"]}
  - {name: cmd-fail, class: REDAC, driver: command, command: ["$T/cmd/fail.sh"]}
  - {name: cmd-slow, class: REDAC, driver: command, command: ["$T/cmd/slow.sh"], timeout_s: 2}
  - {name: cmd-missing, class: REDAC, driver: command, command: ["$T/cmd/nonexistent"]}
compilers:
  LUCIDAC: {command: ["$T/cmd/fakecc.sh"], timeout_s: 10, concurrency: 2}
  REDAC: {command: ["acloud-compile", "--target", "REDAC"], timeout_s: 10, concurrency: 1}
YML
start_sched s1
check "command devices available, a missing executable is not" wait_sql \
	"SELECT bool_and(available = (name <> 'cmd-missing')) FROM devices" 10

for d in cmd-ok cmd-fail cmd-slow; do enqueue_runs "$d" REDAC 1; done
enqueue_compile LUCIDAC 4 "x' = -y"
enqueue_compile REDAC 1 "$(printf "param a = 0.5\nx' = -a * y\ny' = x\nx(0) = 0.5\nmeasure x, y\n")"
enqueue_compile REDAC 1 "$(printf "x' = -y\ny' = x +* 2\n")"

check "all tasks end" wait_sql "SELECT count(*) = 9 FROM tasks WHERE state IN ('succeeded', 'failed')" 30
state_of() { q "SELECT state || ': ' || coalesce(error, '') FROM tasks WHERE device_name = '$1'"; }
eq "ok: succeeded" "$(state_of cmd-ok)" "succeeded: "
eq "ok: stdout is the result" "$(q "SELECT convert_from(b.data, 'UTF8') FROM task_blobs b JOIN tasks t ON t.id = b.task_id
	AND b.kind = 'result' WHERE t.device_name = 'cmd-ok'")" "[[1,2,3]]"
eq "ok: stderr in the log" "$(q "SELECT count(*) FROM task_log l JOIN tasks t ON t.id = l.task_id
	WHERE t.device_name = 'cmd-ok' AND l.line = 'cmd: hello from the device'")" 1
eq "ok: reached the device" "$(q "SELECT reached_device FROM tasks WHERE device_name = 'cmd-ok'")" t
eq "fail: the last stderr line is the error" "$(state_of cmd-fail)" "failed: boom: the device rejected the circuit"
eq "fail: no result blob" "$(q "SELECT count(*) FROM task_blobs b JOIN tasks t ON t.id = b.task_id
	WHERE t.device_name = 'cmd-fail' AND b.kind = 'result'")" 0
eq "slow: killed at timeout_s" "$(state_of cmd-slow)" "failed: timed out after 2 s: killed"
check "slow: took about 2 s" test "$(q "SELECT extract(epoch FROM finished_at - started_at)::int FROM tasks WHERE device_name = 'cmd-slow'")" -le 3
check "slow: the child is gone" gone "$(cat "$T/cmd/child.pid")"
check "slow: its grandchild is gone too" gone "$(cat "$T/cmd/grandchild.pid")"

eq "compile (LUCIDAC): all 4 succeeded as octet-stream" "$(q "SELECT count(*) FROM tasks t JOIN task_blobs b ON b.task_id = t.id
	AND b.kind = 'result' WHERE t.queue = 'compile:LUCIDAC' AND t.state = 'succeeded'
	AND t.result_content_type = 'application/octet-stream' AND convert_from(b.data, 'UTF8') = 'x'' = -y'")" 4
max_overlap=$(awk '{ print $2, ($1 == "start" ? 1 : -1) }' "$T/cmd/cc.log" | sort -n |
	awk '{ n += $2; if (n > m) m = n } END { print m }')
eq "compile: at most concurrency=2 at once, and 2 were used" "$max_overlap" 2
eq "compile (REDAC, acloud-compile): succeeded with an APB" "$(q "SELECT state || ' ' || (result_size > 0) FROM tasks
	WHERE queue = 'compile:REDAC' ORDER BY created_at LIMIT 1")" "succeeded true"
check "compile: a bad source fails naming the line" grep -q "^failed: .*2" <(q "SELECT state || ': ' || error FROM tasks
	WHERE queue = 'compile:REDAC' ORDER BY created_at OFFSET 1")
eq "compiles never mark reached_device" "$(q "SELECT count(*) FROM tasks WHERE type = 'compile' AND reached_device")" 0

finish_test
