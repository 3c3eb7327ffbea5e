#!/bin/bash
# tests/scaleout/run.sh BUILD_DIR: Analog Cloud on seven hosts made of
# network namespaces (tests/scaleout/lib.sh), and four faults while the
# client host creates run tasks through the front host.  The command
# device's program appends the sha256 of its input to a file on every
# execution, and every input is unique: that file counts executions per
# task.  Prints "ok - ..."/"not ok - ..." lines, a table of the faults and
# "N passed, M failed"; exit status non-zero on a failure.
set -u
BUILD=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
. "$(dirname "$0")/lib.sh"
HERE=$SCALEOUT_DIR

# ---- faults ---------------------------------------------------------------

kill_api1() {
	local workers
	workers=$(pgrep -P "$PID_api1" | tr '\n' ' ')
	kill -9 "$PID_api1" $workers
}
after_api1() { api_start api1; }

# The scheduler to hit: the one driving cmd-1 (whichever scheduler polls
# first takes every free device, so the other may hold none).
pick_victim() {
	VICTIM=$(q "SELECT split_part(claimed_by, '/', 1) FROM tasks WHERE device_name = 'cmd-1'
		AND claimed_by IS NOT NULL ORDER BY started_at DESC LIMIT 1")
	[ -n "$VICTIM" ] || VICTIM=s1
	echo "# the scheduler driving cmd-1: $VICTIM"
}

kill_sched() {
	pick_victim
	eval "kill -9 \$PID_$VICTIM"
}
after_sched() { sched_start "$VICTIM"; }

cut_sched() {
	pick_victim
	ip -n "$ID-sw" link set "p-$VICTIM" down
	( sleep 10; ip -n "$ID-sw" link set "p-$VICTIM" up ) &
	RESTORE_PID=$!
}
after_cut() { wait "$RESTORE_PID"; }

restart_pg() {
	as_pg "$PGBIN/pg_ctl" -D "$DB_DATA" -m fast -w stop >/dev/null
	pg_start
	T_DB_UP=$(now)
}
after_pg() { :; }

TABLE=""
FAULT_NO=0

# run_fault NAME INJECT AFTER: the client creates N tasks; the fault is
# injected once a quarter of them are answered.
run_fault() {
	local name=$1 inject=$2 after=$3 out=$T/$1.client cpid t_fault lines i
	FAULT_NO=$((FAULT_NO + 1))
	echo "# --- fault: $name"
	ACLOUD_CA_CERT=$T/front/etc/tls.crt in_ns client node "$HERE/client.mjs" \
		"https://$NET.${ADDR[front]}" "$KEY" "$N" "$CONC" "$MAX_S" "$((FAULT_NO * 100000))" "$out" "$DEVICES" \
		> "$T/$name.client.log" 2>&1 &
	cpid=$!
	for i in $(seq 600); do
		[ -f "$out" ] && lines=$(wc -l < "$out") && [ "$lines" -ge $((N / 4)) ] && break
		sleep 0.1
	done
	t_fault=$(now)
	"$inject"
	wait "$cpid"
	"$after"
	check "$name: tasks all end (bounded wait)" \
		wait_sql "SELECT count(*) = 0 FROM tasks WHERE state IN ('queued', 'inprogress')" 120
	verify_fault "$name" "$out" "$t_fault"
}

verify_fault() { # name client-output fault-time
	local name=$1 out=$2 tf=$3 after sent c201 failed lost twice bad once api_rec stall non503 tab=f_${1//-/_}
	q "DROP TABLE IF EXISTS $tab; CREATE TABLE $tab (seq int, status int, id text, t0 float8, t1 float8)" >/dev/null
	q "TRUNCATE cmd_runs" >/dev/null
	psql -h "$DB_SOCK" -p 5432 -U postgres -d acloud -Xq -c "\\copy $tab FROM '$out' WITH (DELIMITER ' ')" >/dev/null
	psql -h "$DB_SOCK" -p 5432 -U postgres -d acloud -Xq -c "\\copy cmd_runs FROM '$T/cmd-runs.txt'" >/dev/null
	sent=$(q "SELECT count(*) FROM $tab")
	c201=$(q "SELECT count(*) FROM $tab WHERE status = 201")
	failed=$((sent - c201))
	non503=$(q "SELECT count(*) FROM $tab WHERE status NOT IN (201, 503)")
	# Lost: a 201 whose task is missing or did not end.
	lost=$(q "SELECT count(*) FROM $tab f LEFT JOIN tasks t ON t.id::text = f.id
		WHERE f.status = 201 AND (t.id IS NULL OR t.state NOT IN ('succeeded', 'failed'))")
	# Run twice: a command input executed more than once, or a second success.
	twice=$(q "SELECT (SELECT count(*) FROM (SELECT f.id FROM $tab f JOIN task_blobs b ON b.task_id::text = f.id
			AND b.kind = 'input' JOIN cmd_runs r ON r.hash = encode(sha256(b.data), 'hex')
			GROUP BY f.id HAVING count(*) > 1) x)
		+ (SELECT count(*) FROM (SELECT h.task_id FROM task_history h JOIN $tab f ON f.id = h.task_id::text
			WHERE h.state = 'succeeded' GROUP BY h.task_id HAVING count(*) > 1) y)")
	# A succeeded command task ran exactly once (the counter works).
	once=$(q "SELECT count(*) FROM $tab f JOIN tasks t ON t.id::text = f.id AND t.device_name = 'cmd-1'
		AND t.state = 'succeeded' WHERE (SELECT count(*) FROM cmd_runs r JOIN task_blobs b ON b.task_id = t.id
		AND b.kind = 'input' WHERE r.hash = encode(sha256(b.data), 'hex')) <> 1")
	# Failed tasks: only a command run in flight on a lost scheduler may fail.
	bad=$(q "SELECT count(*) FROM $tab f JOIN tasks t ON t.id::text = f.id WHERE t.state = 'failed'
		AND NOT (t.device_name = 'cmd-1' AND t.error = 'scheduler lost while the task ran')")
	api_rec=$(q "SELECT round(coalesce(max(t1) - $tf, 0)::numeric, 1) FROM $tab WHERE status <> 201 AND t1 >= $tf")
	# Device stall: the longest a device went without finishing a task,
	# from the fault until the last task of this round finished.
	stall=$(q "WITH f AS (SELECT device_name, extract(epoch FROM finished_at) AS at FROM tasks
			WHERE finished_at >= to_timestamp($tf) AND id::text IN (SELECT id FROM $tab)
			UNION ALL SELECT d, $tf FROM unnest(string_to_array('$DEVICES', ',')) d),
		g AS (SELECT at - lag(at) OVER (PARTITION BY device_name ORDER BY at) AS gap FROM f)
		SELECT round(coalesce(max(gap), 0)::numeric, 1) FROM g")
	echo "# $name: sent $sent, 201 $c201, failed $failed, lost $lost, twice $twice, api recovery ${api_rec}s, device stall ${stall}s"
	check "$name: the load went on past the fault (sent $sent of $N)" \
		test "$(q "SELECT count(*) FROM $tab WHERE t0 > $tf + 1")" -gt 0
	eq "$name: every 201 is a task that exists and ends" "$lost" 0
	eq "$name: no task ran twice" "$twice" 0
	eq "$name: every succeeded command task ran exactly once" "$once" 0
	eq "$name: no task failed but a command run in flight on a lost scheduler" "$bad" 0
	eq "$name: every failed request is a 503" "$non503" 0
	check "$name: most requests succeed ($c201 of $sent)" test "$c201" -ge $((sent / 2))
	case $name in
	kill-api)
		check "$name: failures ($failed) no more than the requests in flight ($CONC)" test "$failed" -le "$CONC"
		check "$name: creations continue through the other host" \
			test "$(q "SELECT count(*) FROM $tab WHERE status = 201 AND t0 > $tf + 1")" -gt 0 ;;
	kill-scheduler|cut-scheduler)
		eq "$name: no request failed" "$failed" 0
		check "$name: every device drives tasks again within $((3 * LEASE_S + 10)) s (stall ${stall}s)" \
			test "$(q "SELECT $stall < 3 * $LEASE_S + 10")" = t ;;
	restart-db)
		after=$(q "SELECT count(*) FROM $tab WHERE t0 > $T_DB_UP + 2")
		check "$name: requests sent 2 s after PostgreSQL is back ($after)" test "$after" -gt 0
		eq "$name: full service after the restart: every one of them 201" \
			"$(q "SELECT count(*) FROM $tab WHERE t0 > $T_DB_UP + 2 AND status <> 201")" 0 ;;
	esac
	TABLE+=$(printf '| %-15s | %5s | %5s | %8s | %10s | %15s | %12ss | %11ss |' \
		"$name" "$sent" "$c201" "$failed" "$lost" "$twice" "$api_rec" "$stall")$'\n'
}

# ---- the run --------------------------------------------------------------

# ---- the run --------------------------------------------------------------

hosts_up || exit 1
run_fault kill-api kill_api1 after_api1
run_fault kill-scheduler kill_sched after_sched
run_fault cut-scheduler cut_sched after_cut
run_fault restart-db restart_pg after_pg

echo
echo "| fault           |  sent |  201s | failures | tasks lost | tasks run twice | API recovery | device stall |"
echo "| --------------- | ----- | ----- | -------- | ---------- | --------------- | ------------ | ------------ |"
printf '%s' "$TABLE"
echo "# up to $N creations per fault (at most $MAX_S s each), $CONC in flight; $(( $(date +%s) - START )) s in all"
echo "# API recovery: from the fault to the last failed answer; device stall: the longest a device"
echo "# went without finishing a task from the fault on (the load's own gaps included)"
if grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/*.log 2>/dev/null; then
	fail "sanitizer reports in the logs"
fi
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
