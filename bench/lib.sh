# bench/lib.sh: shared by the benchmark scripts.  Each script starts a
# fresh stack of its own (state in .dev-bench, ports 28080/28443/54349, the
# test stack's keys and devices) and uses pgbench on the same PostgreSQL as
# the yardstick (BENCH_HTTP_PORT, BENCH_HTTPS_PORT, BENCH_PG_PORT move the
# ports when another stack holds them).  BENCH_DURATION (10 s), BENCH_CONNECTIONS (32) and
# BENCH_WORKERS (API workers, 16: a worker waits on PostgreSQL for most of
# a write, so an I/O-bound API wants more workers than cores) tune it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/scripts/lib/common.sh"
. "$ROOT/scripts/lib/stack.sh"
. "$ROOT/scripts/lib/test.sh"
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-32}

bench_stack_up() {
	dev_install
	apt_install wrk
	dev_build
	TEST_STATE=$ROOT/.dev-bench
	TEST_OUT=$TEST_STATE/out
	ACLOUD_WORKERS=${BENCH_WORKERS:-16} \
	ACLOUD_TEST_HTTP_PORT=${BENCH_HTTP_PORT:-28080} ACLOUD_TEST_HTTPS_PORT=${BENCH_HTTPS_PORT:-28443} \
	ACLOUD_TEST_PG_PORT=${BENCH_PG_PORT:-54349} \
		test_stack_up "$BUILD_DIR" || die "bench stack did not start"
	# The API is TLS only (issue 12): wrk and curl use https, as clients do.
	BASE=https://127.0.0.1:$HTTPS_PORT
	trap 'test_stack_down' EXIT
}

# Stops the scheduler so that created tasks stay queued (creation benches).
bench_stop_scheduler() {
	stop_pidfile acloud-scheduler "$RUN/acloud-scheduler.pid" >/dev/null
}

sql() { pg_psql -d acloud -tA -c "$1"; }

# pgbench on a database of its own in the same cluster.
pgbench_init() {
	pg_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'pgbench'" | grep -q 1 ||
		{ pg_psql -d postgres -c "CREATE DATABASE pgbench" >/dev/null;
		  runuser -u postgres -- /usr/lib/postgresql/15/bin/pgbench -q -i -s 10 -h "$PG_SOCK" -p "$PG_PORT" pgbench >/dev/null 2>&1; }
}

# pgbench_tps MODE(-S|-N) CLIENTS -> transactions per second
pgbench_tps() {
	runuser -u postgres -- /usr/lib/postgresql/15/bin/pgbench "$1" -M prepared -c "$2" -j 2 -T "$DURATION" \
		-h "$PG_SOCK" -p "$PG_PORT" pgbench 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1
}

# wrk_run URL [extra wrk args] -> prints "rps p50 p90 p99 non2xx"
wrk_run() {
	local url=$1; shift
	wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url" 2>/dev/null | awk '
		/Requests\/sec/ { rps = $2 }
		/^ +50%/ { p50 = $2 } /^ +90%/ { p90 = $2 } /^ +99%/ { p99 = $2 }
		/Non-2xx/ { bad = $NF }
		END { printf "%s %s %s %s %s\n", rps, p50, p90, p99, (bad == "" ? 0 : bad) }'
}

worker_rss_kb() {
	local master; master=$(cat "$RUN/acloud-api.pid")
	for p in $(pgrep -P "$master"); do awk '/VmRSS/ { print $2 }' "/proc/$p/status"; done | sort -n | tail -1
}

# CPU used so far, in clock ticks, by the API workers, nginx's workers and
# PostgreSQL (its processes and the backends it has reaped): the bench
# reports where a request's CPU goes, the figure that bounds throughput on
# a machine whose cores the load generator, proxy, API and database share.
cpu_ticks() {
	local pm; pm=$(head -1 "$PG_DATA/postmaster.pid")
	printf '%s %s %s\n' "$(ticks_of $(pgrep -P "$(cat "$RUN/acloud-api.pid")"))" \
		"$(ticks_of $(pgrep -P "$(cat "$RUN/nginx.pid")"))" "$(ticks_of "$pm" $(pgrep -P "$pm"))"
}

ticks_of() { # pids... -> user+system ticks, own and of reaped children
	local p t s=0
	for p in "$@"; do
		t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$p/stat" 2>/dev/null) || continue
		s=$((s + ${t:-0}))
	done
	echo "$s"
}

# ticks_us BEFORE AFTER COUNT -> microseconds of CPU per unit
ticks_us() {
	awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.0f\n", (n > 0 ? (b - a) * 1e6 / hz / n : 0) }'
}

# bench_users N [LIMITS]: users bench001..benchN with the keys
# ac_bench_NNN_000000000000 in the stack's auth.yml, without an active-task
# cap (issue 12's default of 1 000 would turn a long creation run into
# cheap 429s), and with LIMITS (YAML flow) as their rate limits if given.
bench_users() {
	local i
	for i in $(seq 1 "$1"); do
		printf '  - id: bench%03d\n    key: "ac_bench_%03d_000000000000"\n' "$i" "$i"
		printf '    max_active_tasks: null\n'
		[ -z "${2:-}" ] || printf '    limits: %s\n' "$2"
	done >> "$ACLOUD_AUTH_FILE"
	sleep 2 # the API reloads auth.yml when it changes
}

# creation_lua USER_EXPR: a wrk script that creates a Lorenz run on sim-1
# as bench user USER_EXPR (a Lua expression, 1-based; tid is wrk's thread
# number from 0, n the thread's request count).
creation_lua() {
	local circuit; circuit=$(cat "$ROOT/tests/data/lorenz_config.json")
	cat <<LUA
local body = '{"device_name": "sim-1", "op_time": 0.001, "sample_rate": 1000, "circuit": ' .. [==[$circuit]==] .. '}'
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local n = 0
request = function()
  n = n + 1
  local key = string.format("ac_bench_%03d_000000000000", $1)
  return wrk.format("POST", "/api/v1/tasks/run",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }, body)
end
LUA
}
