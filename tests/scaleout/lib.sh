# tests/scaleout/lib.sh: the hosts of the scale-out test and benchmark,
# made of network namespaces on this machine (sourced; expects $BUILD):
#
#   db     10.77.0.10  PostgreSQL
#   api1   10.77.0.11  acloud-api, api.listen 10.77.0.11:9000
#   api2   10.77.0.12  acloud-api, api.listen 10.77.0.12:9000
#   front  10.77.0.20  nginx with TLS, upstream of api1 and api2 (the
#                      repository's templates, rendered by scripts/lib/stack.sh)
#   s1     10.77.0.31  acloud-scheduler  } same devices.yml: sim-1..4 and
#   s2     10.77.0.32  acloud-scheduler  } cmd-1 (a command device)
#   client 10.77.0.40  node client.mjs
#
# Every host has one veth into a bridge that lives in a namespace of its
# own (the switch), so no address or link exists outside the namespaces
# created here; cleanup (on EXIT) kills what runs in them and deletes them.
SCALEOUT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCALEOUT_DIR/../.." && pwd)
. "$ROOT/scripts/lib/common.sh"
. "$ROOT/scripts/lib/stack.sh"

PGBIN=/usr/lib/postgresql/15/bin
ID=acs-$$
NET=10.77.0
declare -A ADDR=([db]=10 [api1]=11 [api2]=12 [front]=20 [s1]=31 [s2]=32 [client]=40)
HOSTS="db api1 api2 front s1 s2 client"
KEY=ac_scaleout_0123456789abcdef
N=${SCALEOUT_TASKS:-2000}       # creations per fault
MAX_S=${SCALEOUT_MAX_S:-50}     # and at most this long
CONC=${SCALEOUT_CONCURRENCY:-8} # client requests in flight
LEASE_S=4
DEVICES=sim-1,sim-2,sim-3,sim-4,cmd-1
FAILS=0
PASSES=0
T=$(mktemp -d /tmp/acloud-scaleout.XXXXXX)
chmod 755 "$T"
DB_DATA=$T/pg
DB_SOCK=$T/pgsock

ok() { PASSES=$((PASSES + 1)); echo "ok - $1"; }
fail() { FAILS=$((FAILS + 1)); echo "not ok - $1"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
eq() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (got '$2', want '$3')"; fi; }
in_ns() { local h=$1; shift; ip netns exec "$ID-$h" "$@"; }
as_pg() { in_ns db runuser -u postgres -- "$@"; }
export PGOPTIONS='-c client_min_messages=warning'
q() { psql -h "$DB_SOCK" -p 5432 -U postgres -d acloud -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
now() { date +%s.%N; }

cleanup() {
	local h p
	for h in $HOSTS; do
		# Only processes of this test run in its namespaces.
		for p in $(ip netns pids "$ID-$h" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	wait 2>/dev/null
	for h in $HOSTS sw; do ip netns del "$ID-$h" 2>/dev/null; done
	if [ "$FAILS" -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$T"; else echo "# state kept in $T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

net_up() {
	local h
	ip netns add "$ID-sw" || return 1
	ip -n "$ID-sw" link add br0 type bridge && ip -n "$ID-sw" link set br0 up || return 1
	for h in $HOSTS; do
		ip netns add "$ID-$h" || return 1
		ip -n "$ID-$h" link add eth0 type veth peer name "p-$h" netns "$ID-sw" || return 1
		ip -n "$ID-sw" link set "p-$h" master br0 up
		ip -n "$ID-$h" addr add "$NET.${ADDR[$h]}/24" dev eth0
		ip -n "$ID-$h" link set eth0 up
		ip -n "$ID-$h" link set lo up
	done
}

# PostgreSQL on the db host only.  TCP keepalives and a user timeout let it
# drop the session of a host that went silent within ~4 s, so the advisory
# locks of a cut-off scheduler's devices go to the other one.
pg_start() {
	as_pg "$PGBIN/pg_ctl" -D "$DB_DATA" -l "$T/pg.log" -w -t 60 -o "-p 5432 -k $DB_SOCK \
		-c listen_addresses=$NET.${ADDR[db]} -c max_connections=100 -c fsync=off \
		-c tcp_keepalives_idle=2 -c tcp_keepalives_interval=1 -c tcp_keepalives_count=2 \
		-c tcp_user_timeout=4000" start >/dev/null
}

db_up() {
	mkdir -p "$DB_DATA" "$DB_SOCK" && chown postgres "$DB_DATA" "$DB_SOCK"
	touch "$T/pg.log" && chown postgres "$T/pg.log"
	as_pg "$PGBIN/initdb" -D "$DB_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null || return 1
	echo "host all all $NET.0/24 trust" >> "$DB_DATA/pg_hba.conf"
	pg_start || { cat "$T/pg.log"; return 1; }
	psql -h "$DB_SOCK" -p 5432 -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || return 1
CREATE ROLE acloud LOGIN;
CREATE ROLE acloud_app LOGIN;
CREATE DATABASE acloud OWNER acloud;
SQL
	q "ALTER SCHEMA public OWNER TO acloud" >/dev/null
	"$BUILD/acloud-admin" migrate --database "host=$DB_SOCK port=5432 dbname=acloud user=acloud" \
		--sql-dir "$ROOT/sql" >/dev/null
}

write_configs() {
	cat > "$T/auth.yml" <<YML
keys:
  # no cap on active tasks: a fault round keeps up to 2 000 queued
  - {id: loader, key: "$KEY", name: Load client, max_active_tasks: null}
YML
	cat > "$T/cmd.sh" <<SH
#!/bin/sh
# The command device: one line per execution, the sha256 of its input.
h=\$(sha256sum | cut -c1-64)
echo "\$h" >> "$T/cmd-runs.txt"
echo '[[1]]'
SH
	chmod 755 "$T/cmd.sh"
	: > "$T/cmd-runs.txt"
	cat > "$T/devices.yml" <<YML
devices:
  - {name: sim-1, class: SIMULATOR, driver: simulator}
  - {name: sim-2, class: SIMULATOR, driver: simulator}
  - {name: sim-3, class: SIMULATOR, driver: simulator}
  - {name: sim-4, class: SIMULATOR, driver: simulator}
  - {name: cmd-1, class: SIMULATOR, driver: command, command: ["$T/cmd.sh"], timeout_s: 30}
YML
	local h
	for h in api1 api2 s1 s2; do
		cat > "$T/$h.yml" <<YML
domain: scaleout.test
database: "host=$NET.${ADDR[db]} port=5432 dbname=acloud user=acloud_app connect_timeout=2"
api:
  listen: "$NET.${ADDR[$h]}:9000"
  backlog: 64
  workers: 2
scheduler:
  lease_s: $LEASE_S
  heartbeat_s: 1
  poll_ms: 200
  shutdown_timeout_s: 5
paths:
  auth: $T/auth.yml
  devices: $T/devices.yml
  sql: $ROOT/sql
YML
	done
}

api_start() { # host
	in_ns "$1" "$BUILD/acloud-api" -c "$T/$1.yml" >> "$T/$1.log" 2>&1 &
	eval "PID_$1=$!"
}

sched_start() { # host
	PATH="$BUILD:$PATH" in_ns "$1" "$BUILD/acloud-scheduler" -c "$T/$1.yml" --name "$1" -v >> "$T/$1.log" 2>&1 &
	eval "PID_$1=$!"
}

# nginx on the front host from the repository's templates.
front_up() {
	ACLOUD_STATE_DIR=$T/front stack_env
	HTTP_PORT=80 HTTPS_PORT=443
	mkdir -p "$ETC" "$RUN" "$LOGS" "$STATE/nginx/tmp"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$NET.${ADDR[front]}" \
		-addext "subjectAltName=IP:$NET.${ADDR[front]}" \
		-keyout "$ETC/tls.key" -out "$ETC/tls.crt" >/dev/null 2>&1 || return 1
	export ACLOUD_LISTEN_ADDR=$NET.${ADDR[front]}
	export ACLOUD_API_SERVERS="$NET.${ADDR[api1]}:9000 $NET.${ADDR[api2]}:9000"
	www_up
	local f
	# (no acloud-events on the front host: its streams would answer 502; the
	# faults here are about creations)
	for f in acloud-locations acloud-fastcgi acloud-upstream acloud-headers acloud-limits acloud-errors \
		acloud-events docs.locations acloud-site; do
		render "$ROOT/nginx/$f.conf.in" "$STATE/nginx/$f.conf"
	done
	render "$ROOT/nginx/dev-nginx.conf.in" "$STATE/nginx/nginx.conf"
	in_ns front nginx -q -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -e "$LOGS/nginx-error.log"
}

front_healthy() {
	local i
	for i in $(seq 100); do
		in_ns client curl -fs --cacert "$T/front/etc/tls.crt" "https://$NET.${ADDR[front]}/health" 2>/dev/null \
			| grep -q healthy && return 0
		sleep 0.1
	done
	return 1
}

# wait_sql SQL TIMEOUT_S: until the query prints 't'.
wait_sql() {
	local deadline=$(( $(date +%s) + $2 ))
	while [ "$(date +%s)" -le "$deadline" ]; do
		[ "$(q "$1" 2>/dev/null)" = t ] && return 0
		sleep 0.2
	done
	return 1
}


# All seven hosts; ok/fail lines on the way.
hosts_up() {
	apt_install iproute2
	START=$(date +%s)
	net_up || { fail "network namespaces and veth pairs"; return 1; }
	ok "seven hosts in network namespaces ($ID-*)"
	db_up || { fail "PostgreSQL on the db host"; return 1; }
	q "CREATE TABLE cmd_runs (hash text)" >/dev/null
	write_configs
	api_start api1
	api_start api2
	sched_start s1
	sched_start s2
	front_up || { fail "nginx on the front host"; cat "$T/front/logs/nginx-error.log"; return 1; }
	check "the front host answers healthy through the upstream" front_healthy
	check "both schedulers drive devices" wait_sql "SELECT count(*) = 5 FROM devices WHERE available" 20
	eq "no address of the hosts outside their namespaces" "$(ip -o addr show | grep -c " $NET\.")" 0
}
