#!/usr/bin/env bash
# bench/tasks.sh: the task API through nginx at 32 connections: creation
# (POST /api/v1/tasks/run on a SIMULATOR device) next to pgbench -N, status
# reads next to pgbench -S, and search over 100 000 tasks of one user with
# a state filter (p50/p95 over 200 sequential requests).
. "$(dirname "$0")/lib.sh"
bench_stack_up
bench_stop_scheduler
# Creation is measured as a service sees it: many users at once, each with
# a limit (so each creation takes its user's rate-limit lock), one
# connection's requests spread over 32 users.
for i in $(seq -w 1 32); do
	printf '  - id: bench%s\n    key: "ac_bench_%s_000000000000"\n' "$i" "$i"
done >> "$ACLOUD_AUTH_FILE"
sleep 2
LUA=$TEST_OUT/run.lua
CIRCUIT=$(cat "$ROOT/tests/data/lorenz_config.json")
cat > "$LUA" <<LUA
local body = '{"device_name": "sim-1", "op_time": 0.001, "sample_rate": 1000, "circuit": ' .. [==[$CIRCUIT]==] .. '}'
local n = 0
request = function()
  n = n + 1
  local key = string.format("ac_bench_%02d_000000000000", n % 32 + 1)
  return wrk.format("POST", "/api/v1/tasks/run",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }, body)
end
LUA

pgbench_init
say "pgbench -N and -S, $CONNS clients, ${DURATION}s each"
PG_N=$(pgbench_tps -N "$CONNS")
PG_S=$(pgbench_tps -S "$CONNS")
say "wrk POST /api/v1/tasks/run"
read -r C_RPS C_P50 C_P90 C_P99 C_BAD < <(wrk_run "$HTTP/api/v1/tasks/run" -s "$LUA")
CREATED=$(sql "SELECT count(*) FROM tasks")
TASK=$(sql "SELECT id FROM tasks WHERE user_id = 'bench01' ORDER BY created_at DESC LIMIT 1")
say "wrk GET /api/v1/tasks/{id}/status"
read -r S_RPS S_P50 S_P90 S_P99 S_BAD < <(wrk_run "$HTTP/api/v1/tasks/$TASK/status" \
	-H "Authorization: Bearer ac_bench_01_000000000000")

say "100 000 tasks for one user, then search with a state filter"
SKEY=ac_test_searcher_2222222222
sql "INSERT INTO tasks (id, user_id, type, state, device_name, device_class, queue, priority, created_at, updated_at)
     SELECT gen_random_uuid(), 'searcher', 'run',
            (ARRAY['queued','inprogress','succeeded','failed','cancelled'])[1 + i % 5]::task_state,
            'sim-1', 'SIMULATOR', 'device:sim-1', 1, now() - (i || ' seconds')::interval * 0.8, now()
       FROM generate_series(1, 100000) i" >/dev/null
sql "VACUUM ANALYZE tasks" >/dev/null   # as autovacuum would have done
: > "$TEST_OUT/search.times"
for _ in $(seq 1 200); do
	curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $SKEY" \
		-d '{"state": ["failed"], "limit": 50}' "$HTTP/api/v1/tasks/search" >> "$TEST_OUT/search.times"
done
read -r Q_P50 Q_P95 < <(sort -n "$TEST_OUT/search.times" | awk '{ v[NR] = $1 * 1000 } END { printf "%.2fms %.2fms\n", v[int(NR * 0.5)], v[int(NR * 0.95)] }')
TOTAL=$(curl -s -H "Authorization: Bearer $SKEY" -d '{"state": ["failed"], "limit": 1}' "$HTTP/api/v1/tasks/search" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')

printf '\n%-34s %12s %9s %9s %9s %8s\n' "benchmark" "req|tps/s" "p50" "p90" "p99" "non-2xx"
printf '%-34s %12s\n' "pgbench -N ($CONNS clients)" "$PG_N" "pgbench -S ($CONNS clients)" "$PG_S"
printf '%-34s %12s %9s %9s %9s %8s\n' "POST /api/v1/tasks/run" "$C_RPS" "$C_P50" "$C_P90" "$C_P99" "$C_BAD"
printf '%-34s %12s %9s %9s %9s %8s\n' "GET /api/v1/tasks/{id}/status" "$S_RPS" "$S_P50" "$S_P90" "$S_P99" "$S_BAD"
awk -v c="$C_RPS" -v n="$PG_N" 'BEGIN { printf "creation / pgbench -N              %8.0f%%  (target >= 50%%)\n", 100 * c / n }'
awk -v s="$S_RPS" -v p="$PG_S" 'BEGIN { printf "status / pgbench -S                %8.0f%%  (target >= 40%%)\n", 100 * s / p }'
printf 'tasks created during the run       %9s\n' "$CREATED"
printf 'search, 100k tasks, state filter   p50 %s  p95 %s  (target p95 < 20 ms; %s matches)\n' "$Q_P50" "$Q_P95" "$TOTAL"
