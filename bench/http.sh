#!/usr/bin/env bash
# bench/http.sh: read throughput of the API through nginx (wrk) next to
# pgbench -S on the same PostgreSQL, and the workers' memory after 100 000
# requests.
. "$(dirname "$0")/lib.sh"
bench_stack_up
KEY=$DEMO_KEY
AUTH="Authorization: Bearer $KEY"

pgbench_init
say "pgbench -S, $CONNS clients, ${DURATION}s"
PG_S=$(pgbench_tps -S "$CONNS")
say "wrk GET /api/v1/system/status"
read -r S_RPS S_P50 S_P90 S_P99 S_BAD < <(wrk_run "$BASE/api/v1/system/status" -H "$AUTH")
say "wrk GET /api/v1/users/me"
read -r U_RPS U_P50 U_P90 U_P99 U_BAD < <(wrk_run "$BASE/api/v1/users/me" -H "$AUTH")
say "100 000 requests, then worker memory"
wrk -t2 -c"$CONNS" -d60s -H "$AUTH" "$BASE/api/v1/users/me" >/dev/null 2>&1 &
WRK=$!
for _ in $(seq 1 60); do
	n=$(grep -c 'access GET /api/v1/users/me' "$LOGS/acloud-api.log" || true)
	[ "$n" -gt 100000 ] && break
	sleep 1
done
kill "$WRK" 2>/dev/null || true
wait "$WRK" 2>/dev/null || true
RSS=$(worker_rss_kb)

printf '\n%-28s %12s %9s %9s %9s %8s\n' "benchmark" "req|tps/s" "p50" "p90" "p99" "non-2xx"
printf '%-28s %12s\n' "pgbench -S ($CONNS clients)" "$PG_S"
printf '%-28s %12s %9s %9s %9s %8s\n' "GET /api/v1/system/status" "$S_RPS" "$S_P50" "$S_P90" "$S_P99" "$S_BAD"
printf '%-28s %12s %9s %9s %9s %8s\n' "GET /api/v1/users/me" "$U_RPS" "$U_P50" "$U_P90" "$U_P99" "$U_BAD"
awk -v u="$U_RPS" -v p="$PG_S" 'BEGIN { printf "users/me / pgbench -S        %11.0f%%  (target >= 40%%)\n", 100 * u / p }'
printf 'largest worker RSS           %9s kB  (target < 10240 kB, after >= 100000 requests)\n' "$RSS"
