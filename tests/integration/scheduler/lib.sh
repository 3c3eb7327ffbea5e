# Scheduler integration tests: shared helpers, sourced by every t_*.sh.
#
# Each test gets a throwaway PostgreSQL cluster (initdb as user postgres in
# a temp dir, unix socket in that dir, trust auth), the migrations of sql/,
# its own acloud.yml/devices.yml, and runs acloud-scheduler from BUILD_DIR.
# Tasks are inserted with psql exactly as the API does (row, 'queued'
# history entry, input blob, NOTIFY in one transaction).  Assertions print
# "ok - ..." or "not ok - ..."; the script's exit status is the number of
# failures (run.sh counts them).

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../../.." && pwd)
BUILD=${BUILD:-${1:-}}
[ -n "$BUILD" ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=${PGUSER_OS:-postgres}
FAILS=0
PASSES=0
SCHED_PIDS=()
BG_PIDS=()

T=$(mktemp -d /tmp/acloud-sched-test.XXXXXX)
chmod 755 "$T"
PGDATA="$T/pg"
PGPORT_T=$(( 20000 + RANDOM % 20000 ))
export PGHOST="$T" PGPORT="$PGPORT_T" PGDATABASE=acloud PGUSER=postgres
SCHED_BIN="$BUILD/acloud-scheduler"

as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }

pg_start() {
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$T/pg.log" -w -t 30 \
		-o "-k $T -p $PGPORT_T -c listen_addresses='' -c max_connections=200 ${PG_OPTS:--c fsync=off}" start >/dev/null
}
pg_stop() { as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null; }

setup_db() {
	mkdir -p "$PGDATA" && chown "$PGUSER_OS" "$PGDATA" "$T"
	as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null || exit 99
	pg_start || { cat "$T/pg.log"; exit 99; }
	# As scripts/dev does it: schema owner acloud, runtime role acloud_app.
	psql -d postgres -XAtq -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || exit 99
CREATE ROLE acloud LOGIN;
CREATE ROLE acloud_app LOGIN;
ALTER ROLE acloud_app SET statement_timeout = '30s';
CREATE DATABASE acloud OWNER acloud;
SQL
	psql -XAtq -c "ALTER SCHEMA public OWNER TO acloud" >/dev/null
	"$BUILD/acloud-admin" migrate --database "host=$T port=$PGPORT_T dbname=acloud user=acloud" \
		--sql-dir "$SRC/sql" >/dev/null || { echo "migrations failed"; exit 99; }
	[ -x "$BUILD/acloud-sim" ] || { echo "acloud-sim is not built in $BUILD"; exit 99; }
}

cleanup() {
	for p in "${SCHED_PIDS[@]}" "${BG_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	pg_stop 2>/dev/null
	if [ "$FAILS" -eq 0 ] && [ -z "${KEEP:-}" ]; then
		rm -rf "$T"
	else
		echo "# state kept in $T"
	fi
}
trap cleanup EXIT

# gone PID: the process no longer runs (a zombie nobody reaped counts as gone).
gone() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -z "$st" ] || [ "${st#Z}" != "$st" ]
}

q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

ok() { PASSES=$((PASSES + 1)); echo "ok - $1"; }
fail() { FAILS=$((FAILS + 1)); echo "not ok - $1"; }
check() { # check DESC COMMAND...
	local desc=$1; shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}
eq() { # eq DESC GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', want '$3')"; fi
}

# wait_sql SQL TIMEOUT_S: until the query prints 't'.
wait_sql() {
	local deadline=$(( $(date +%s) + $2 ))
	while [ "$(date +%s)" -le "$deadline" ]; do
		[ "$(q "$1" 2>/dev/null)" = "t" ] && return 0
		sleep 0.1
	done
	return 1
}

# write_config NAME [acloud.yml scheduler overrides as "key: value" lines]
write_config() {
	local name=$1; shift
	{
		echo "domain: test.local"
		echo "database: \"host=$T port=$PGPORT_T dbname=acloud user=acloud_app\""
		echo "scheduler:"
		echo "  lease_s: ${LEASE_S:-30}"
		echo "  heartbeat_s: ${HEARTBEAT_S:-5}"
		echo "  poll_ms: ${POLL_MS:-1000}"
		echo "  shutdown_timeout_s: ${SHUTDOWN_S:-30}"
		echo "paths:"
		echo "  devices: $T/$name-devices.yml"
	} >"$T/$name.yml"
}

# start_sched NAME: config $T/NAME.yml, log $T/NAME.log; sets LAST_PID.
start_sched() {
	"$SCHED_BIN" -c "$T/$1.yml" --name "$1" -v >>"$T/$1.log" 2>&1 &
	LAST_PID=$!
	SCHED_PIDS+=("$LAST_PID")
}

# A one-integrator circuit: x0 = -ic, measured on ADC 0.
CIRCUIT='{"/0":{"/U":{"outputs":[null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null],"constant":false},"/C":{"elements":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]},"/I":{"outputs":[[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[]],"upscaling":[false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false,false]},"/M0":{"elements":[{"k":10000,"ic":0.5},{"k":10000,"ic":0},{"k":10000,"ic":0},{"k":10000,"ic":0},{"k":10000,"ic":0},{"k":10000,"ic":0},{"k":10000,"ic":0},{"k":10000,"ic":0}]},"/M1":{}},"adc_channels":[0]}'

# enqueue_runs DEVICE CLASS N [PRIORITY_SQL [INPUT_JSON]]: N run tasks of
# user $ENQUEUE_USER (default tester) in one transaction like the API
# (created_at spread by 1 ms so age order is known).
enqueue_runs() {
	local dev=$1 cls=$2 n=$3 prio=${4:-1} input=${5:-}
	[ -n "$input" ] || input="{\"circuit\": $CIRCUIT, \"op_time\": 0.001, \"sample_rate\": 1000}"
	psql -XAtq -v ON_ERROR_STOP=1 -v input="$input" -v dev="$dev" -v cls="$cls" -v n="$n" \
		-v user="${ENQUEUE_USER:-tester}" <<SQL
BEGIN;
CREATE TEMP TABLE new_tasks ON COMMIT DROP AS
  SELECT gen_random_uuid() AS id, ($prio)::int AS priority,
         clock_timestamp() + (g * interval '1 millisecond') AS created_at
  FROM generate_series(1, :n) g;
INSERT INTO tasks (id, user_id, type, state, device_name, device_class, queue, priority,
                   op_time, sample_rate, created_at, updated_at)
  SELECT id, :'user', 'run', 'queued', :'dev', :'cls', 'device:' || :'dev', priority,
         0.001, 1000, created_at, created_at FROM new_tasks;
INSERT INTO task_history (task_id, state, at) SELECT id, 'queued', created_at FROM new_tasks;
INSERT INTO task_blobs (task_id, kind, content_type, data)
  SELECT id, 'input', 'application/json', convert_to(:'input', 'UTF8') FROM new_tasks;
SELECT pg_notify('acloud_tasks', 'device:' || :'dev');
COMMIT;
SQL
} >/dev/null

# enqueue_compile CLASS N SOURCE
enqueue_compile() {
	psql -XAtq -v ON_ERROR_STOP=1 -v cls="$1" -v n="$2" -v src="$3" <<'SQL'
BEGIN;
CREATE TEMP TABLE new_tasks ON COMMIT DROP AS
  SELECT gen_random_uuid() AS id, clock_timestamp() + (g * interval '1 millisecond') AS created_at
  FROM generate_series(1, :n) g;
INSERT INTO tasks (id, user_id, type, state, device_class, queue, priority, created_at, updated_at)
  SELECT id, 'tester', 'compile', 'queued', :'cls', 'compile:' || :'cls', 1, created_at, created_at FROM new_tasks;
INSERT INTO task_history (task_id, state, at) SELECT id, 'queued', created_at FROM new_tasks;
INSERT INTO task_blobs (task_id, kind, content_type, data)
  SELECT id, 'input', 'text/plain', convert_to(:'src', 'UTF8') FROM new_tasks;
SELECT pg_notify('acloud_tasks', 'compile:' || :'cls');
COMMIT;
SQL
} >/dev/null

# fake_lucidac MODE: starts tests/integration/scheduler/fake-lucidac.mjs,
# sets FAKE_PORT; requests are logged to $T/fake-MODE.log.
fake_lucidac() {
	local out="$T/fake-$1.port"
	node "$HERE/fake-lucidac.mjs" "$1" "$T/fake-$1.log" >"$out" 2>>"$T/fake-$1.err" &
	BG_PIDS+=("$!")
	for _ in $(seq 100); do
		[ -s "$out" ] && break
		sleep 0.05
	done
	FAKE_PORT=$(cat "$out")
}

# task_ids DEVICE: ids of the device's tasks, oldest first.
task_ids() { q "SELECT id FROM tasks WHERE device_name = '$1' ORDER BY created_at"; }

# stop_scheds: SIGTERM every scheduler still running; each must exit 0.
stop_scheds() {
	local p rc
	for p in "${SCHED_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || continue
		kill -TERM "$p"
		wait "$p"
		rc=$?
		eq "scheduler $p stops with status 0 on SIGTERM" "$rc" 0
	done
	SCHED_PIDS=()
}

finish_test() {
	stop_scheds
	if grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/*.log 2>/dev/null; then
		fail "sanitizer reports in the scheduler logs"
	fi
	echo "# $(basename "$0"): $PASSES passed, $FAILS failed"
	exit "$FAILS"
}

setup_db
