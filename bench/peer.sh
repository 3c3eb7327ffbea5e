#!/usr/bin/env bash
# bench/peer.sh: the C server against the FastAPI peer (../shared/peer, the
# seed stack's way of writing the two hot endpoints), side by side on one
# PostgreSQL, both through nginx with TLS, in alternating rounds (C, peer,
# C, peer, ...) so that a machine whose load drifts hurts both alike:
#   status  GET /api/v1/tasks/{id}/status of a finished task (3 states)
#   create  POST /api/v1/tasks/run on sim-1 by 32 connections, each cycling
#           through users of its own, every user with a SIMULATOR limit
#   one     the same by one user (its creations serialise on its lock)
# Then the ratios (C / peer) per round and their median, and the server
# time of POST /api/v1/tasks/batch with 1 000 runs (its access line).
# The project's scheduler is stopped, so no creation is executed while
# measuring (the peer executes nothing either).
#
# BENCH_ROUNDS [3], BENCH_DURATION [10] s, BENCH_CONNECTIONS [32]; the
# peer's ports PEER_PORT [18090], PEER_TLS_PORT [18091],
# PEER_NGINX_HTTP_PORT [18092]; PEER_DIR [../shared/peer].
. "$(dirname "$0")/lib.sh"
PEER_DIR=$(realpath -m "${PEER_DIR:-$ROOT/../shared/peer}")
[ -x "$PEER_DIR/run_peer.sh" ] || die "no peer at $PEER_DIR (see bench/README.md)"
ROUNDS=${BENCH_ROUNDS:-3}
apt_install python3-fastapi python3-uvicorn python3-asyncpg python3-yaml python3-uvloop python3-httptools
bench_stack_up
bench_stop_scheduler
C_BASE=https://127.0.0.1:$HTTPS_PORT
P_BASE=https://127.0.0.1:${PEER_TLS_PORT:-18091}

# Users as in bench/tasks.sh, each with a SIMULATOR limit high enough
# never to refuse within a run (the limit makes each creation take its
# user's lock and count), and no cap on active tasks (nothing runs).
USERS_PER_THREAD=64
bench_users $((2 * USERS_PER_THREAD)) '{SIMULATOR: {hourly: 1000000, daily: 10000000}}'

# A finished task on each side: 3 states, like the peer's seed.
PEER_TASK=$(pg_psql -d acloud -q -tA -v n=1 -v user_id=bench001 -v history=3 -v reset=1 \
	-f "$PEER_DIR/peer_setup.sql" | tail -1)
KEY1=ac_bench_001_000000000000
CIRCUIT=$(cat "$ROOT/tests/data/lorenz_config.json")
C_TASK=$(curl -sk -H "Authorization: Bearer $KEY1" -H 'Content-Type: application/json' \
	-d "{\"device_name\": \"sim-1\", \"op_time\": 0.001, \"sample_rate\": 1000, \"circuit\": $CIRCUIT}" \
	"$C_BASE/api/v1/tasks/run" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p')
[ -n "$C_TASK" ] && [ -n "$PEER_TASK" ] || die "could not seed a task on each side"
sql "INSERT INTO task_history (task_id, state) VALUES ('$C_TASK', 'inprogress'), ('$C_TASK', 'succeeded');
     UPDATE tasks SET state = 'succeeded', finished_at = now() WHERE id = '$C_TASK'" >/dev/null

PEER_STATE_DIR=$TEST_STATE/peer PEER_AUTH_FILE=$ACLOUD_AUTH_FILE PEER_DEVICES_FILE=$ACLOUD_DEVICES_FILE \
PEER_RUN_AS=postgres "$PEER_DIR/run_peer.sh" start "postgresql://postgres@/acloud?host=$PG_SOCK&port=$PG_PORT" >/dev/null
trap 'PEER_STATE_DIR=$TEST_STATE/peer "$PEER_DIR/run_peer.sh" stop >/dev/null 2>&1 || true;
      pg_psql -d acloud -q -v drop=1 -f "$PEER_DIR/peer_setup.sql" >/dev/null 2>&1 || true; test_stack_down' EXIT
for _ in $(seq 1 100); do
	curl -sk -o /dev/null -H "Authorization: Bearer $KEY1" "$P_BASE/api/v1/tasks/$PEER_TASK/status" && break
	sleep 0.2
done

creation_lua "tid * $USERS_PER_THREAD + n % $USERS_PER_THREAD + 1" > "$TEST_OUT/peer-run.lua"
creation_lua 1 > "$TEST_OUT/peer-run1.lua"

# measure SIDE KIND -> "rps p50 p90 p99 non2xx"
measure() {
	local base task
	if [ "$1" = c ]; then base=$C_BASE task=$C_TASK; else base=$P_BASE task=$PEER_TASK; fi
	case $2 in
	status) wrk_run "$base/api/v1/tasks/$task/status" -H "Authorization: Bearer $KEY1" ;;
	create) wrk_run "$base/api/v1/tasks/run" -s "$TEST_OUT/peer-run.lua" ;;
	one) wrk_run "$base/api/v1/tasks/run" -s "$TEST_OUT/peer-run1.lua" ;;
	esac
}

: > "$TEST_OUT/peer.rounds"
for round in $(seq 1 "$ROUNDS"); do
	for kind in status create one; do
		for side in c peer; do
			say "round $round: $kind on $side"
			echo "$round $kind $side $(measure "$side" "$kind")" >> "$TEST_OUT/peer.rounds"
		done
	done
done

# A sweep: 1 000 runs in one request, five times; the server's own time.
say "POST /api/v1/tasks/batch with 1 000 runs"
BATCH=$TEST_OUT/batch1000.json
{
	printf '{"runs": ['
	for i in $(seq 1 1000); do
		[ "$i" = 1 ] || printf ','
		printf '{"device_name": "sim-1", "op_time": 0.001, "sample_rate": 1000, "tags": ["sweep", "i=%d"], "circuit": %s}' "$i" "$CIRCUIT"
	done
	printf ']}'
} > "$BATCH"
for i in 1 2 3 4 5; do
	curl -sk -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer ac_bench_$(printf %03d $((i + 1)))_000000000000" \
		-H 'Content-Type: application/json' --data-binary @"$BATCH" "$C_BASE/api/v1/tasks/batch"
done > "$TEST_OUT/batch.curl"
BATCH_US=$(grep 'POST /api/v1/tasks/batch 201' "$LOGS/acloud-api.log" | sed -n 's/.* \([0-9]*\)us .*/\1/p' | sort -n)

printf '\n%-6s %-7s %12s %9s %9s %9s %8s   %12s %9s %9s %8s   %6s\n' round kind "C req/s" p50 p90 p99 non2xx "peer req/s" p50 p99 non2xx ratio
awk '{ k = $1 " " $2 } $3 == "c" { c[k] = $0 } $3 == "peer" { p[k] = $0; order[++n] = k }
	END { for (i = 1; i <= n; i++) { split(c[order[i]], a, " "); split(p[order[i]], b, " ");
		printf "%-6s %-7s %12s %9s %9s %9s %8s   %12s %9s %9s %8s   %5.2fx\n", a[1], a[2], a[4], a[5], a[6], a[7], a[8], b[4], b[5], b[7], b[8], (b[4] > 0 ? a[4] / b[4] : 0) } }' \
	"$TEST_OUT/peer.rounds"
for kind in status create one; do
	awk -v k="$kind" '$2 == k && $3 == "c" { c[$1] = $4 } $2 == k && $3 == "peer" { p[$1] = $4 }
		END { n = 0; for (r in c) if (p[r] > 0) v[++n] = c[r] / p[r]
		      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		      printf "median ratio C/peer, %-7s %5.2fx  (target >= 3x)\n", k, v[int((n + 1) / 2)] }' "$TEST_OUT/peer.rounds"
done
printf 'POST /tasks/batch, 1 000 runs: server time (us) %s  (target <= 150 ms)\n' "$(echo $BATCH_US | tr '\n' ' ')"
