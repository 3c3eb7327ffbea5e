#!/usr/bin/env bash
# bench/scaleout.sh: creation throughput through the front host of the
# scale-out topology (tests/scaleout/lib.sh: network namespaces on this
# machine) with one API host in the upstream and with two, the same client
# load (BENCH_TASKS creations, BENCH_CONCURRENCY in flight), next to
# pgbench -N on the database host.  The schedulers are stopped so that
# only creation is measured.  Every host shares this machine's cores: the
# figures show the shape (does a second API host help, how far from
# PostgreSQL's own rate), not the size separate machines would give.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib/common.sh"
dev_install
dev_build
BUILD=$(cd "$BUILD_DIR" && pwd)
. "$ROOT/tests/scaleout/lib.sh"
TASKS=${BENCH_TASKS:-3000}
CONC=${BENCH_CONCURRENCY:-16}
DURATION=${BENCH_DURATION:-10}

ok() { :; }
fail() { echo "setup failed: $1" >&2; }
hosts_up >/dev/null || exit 1
kill -TERM "$PID_s1" "$PID_s2"

upstream() { # api hosts...
	local h servers=""
	for h in "$@"; do servers+="$NET.${ADDR[$h]}:9000 "; done
	ACLOUD_API_SERVERS=$servers render "$ROOT/nginx/acloud-upstream.conf.in" "$T/front/nginx/acloud-upstream.conf"
	in_ns front nginx -q -p "$T/front/nginx" -c "$T/front/nginx/nginx.conf" -s reload 2>/dev/null
	sleep 1
}

creations() { # label
	local out=$T/bench-$1.client rate
	ACLOUD_CA_CERT=$T/front/etc/tls.crt in_ns client node "$SCALEOUT_DIR/client.mjs" \
		"https://$NET.${ADDR[front]}" "$KEY" "$TASKS" "$CONC" 120 "$RANDOM" "$out" "$DEVICES" >/dev/null
	rate=$(awk '$2 == 201 { n++ } NR == 1 || $4 < t0 { t0 = $4 } $5 > t1 { t1 = $5 }
		END { printf "%.0f", n / (t1 - t0) }' "$out")
	printf '| %-34s | %8s/s | %s of %s answered 201 |\n' "$1" "$rate" \
		"$(awk '$2 == 201' "$out" | wc -l)" "$(wc -l < "$out")"
}

echo "| load ($TASKS creations, $CONC in flight) | rate | |"
echo "| --- | ---: | --- |"
upstream api1
creations "one API host (2 workers)"
upstream api1 api2
creations "two API hosts (2 workers each)"
in_ns db runuser -u postgres -- psql -h "$DB_SOCK" -p 5432 -XAtq -c "CREATE DATABASE pgbench" postgres
in_ns db runuser -u postgres -- "$PGBIN/pgbench" -q -i -s 10 -h "$NET.${ADDR[db]}" -p 5432 pgbench >/dev/null 2>&1
tps=$(in_ns db runuser -u postgres -- "$PGBIN/pgbench" -N -M prepared -c "$CONC" -j 2 -T "$DURATION" \
	-h "$NET.${ADDR[db]}" -p 5432 pgbench 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
printf '| %-34s | %8.0f/s | %s clients, %s s, on the database host |\n' "pgbench -N" "$tps" "$CONC" "$DURATION"
echo "# all hosts share this machine's $(nproc) cores"
