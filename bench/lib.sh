# bench/lib.sh: shared by the benchmark scripts.  They run against the
# stack of scripts/dev up (same ACLOUD_* variables) and use pgbench on the
# same PostgreSQL as the yardstick.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/scripts/lib/common.sh"
. "$ROOT/scripts/lib/stack.sh"
stack_env
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-32}
HTTP=http://127.0.0.1:$HTTP_PORT
command -v wrk >/dev/null || apt_install wrk
curl -fs "$HTTP/health" >/dev/null || die "no stack at $HTTP: run scripts/dev up first"

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

# wrk_run URL [extra wrk args] -> prints "rps p50 p90 p99" (latencies in ms)
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
