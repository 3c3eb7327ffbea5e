# common.sh: installing what is missing and building, shared by every
# scripts/dev command.  Sourced; expects $ROOT.

say() { printf '==> %s\n' "$*"; }
die() { printf 'scripts/dev: %s\n' "$*" >&2; exit 1; }

# Debian packages the build and the stack need.
DEV_PACKAGES="build-essential autoconf automake libtool pkg-config
 libfcgi-dev libjansson-dev libpq-dev libyaml-dev uuid-dev libssl-dev libcriterion-dev libcurl4-openssl-dev clang-format
 postgresql-15 postgresql-client-15 nginx openssl curl ca-certificates procps util-linux
 nodejs npm"
# Extra packages only the tests and benchmarks need.
TEST_PACKAGES="chromium valgrind clang libclang-rt-14-dev wrk spawn-fcgi libfcgi-bin iproute2 systemd prometheus man-db"

BUILD_DIR=${ACLOUD_BUILD_DIR:-$ROOT/build}

missing_packages() {
	local p missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	printf '%s' "$missing"
}

apt_install() {
	local missing
	missing=$(missing_packages "$@")
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root, or install them)"
	say "installing Debian packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# Packages must not start their own services on this machine (the
	# stack runs its own PostgreSQL and nginx on other ports).
	local policy=/usr/sbin/policy-rc.d created_policy=""
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1
	fi
	apt-get update -q >/dev/null || apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null || apt-get install -y -q --no-install-recommends $missing
	[ -n "$created_policy" ] && rm -f "$policy"
	return 0
}

dev_install() {
	local pkgs=$DEV_PACKAGES
	# A machine with node and npm from elsewhere keeps them.
	if command -v node >/dev/null && command -v npm >/dev/null; then
		pkgs=$(printf '%s\n' $pkgs | grep -vx -e nodejs -e npm | tr '\n' ' ')
	fi
	# shellcheck disable=SC2086
	apt_install $pkgs
	npm_ci "$ROOT/docs"
	npm_ci "$ROOT/console"
}

dev_install_test_tools() {
	# shellcheck disable=SC2086
	apt_install $TEST_PACKAGES
	npm_ci "$ROOT/tests"
}

# npm ci in DIR when its lock file changed since the last install.
npm_ci() {
	local dir=$1 stamp
	[ -f "$dir/package-lock.json" ] || return 0
	stamp="$dir/node_modules/.acloud-lock.sha256"
	if [ -f "$stamp" ] && sha256sum -c --status "$stamp" 2>/dev/null; then
		return 0
	fi
	say "npm ci in ${dir#$ROOT/}"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed in $dir"
	(cd "$dir" && sha256sum package-lock.json > node_modules/.acloud-lock.sha256)
}

# Configure (once per build dir and set of flags) and make.
build_in() {
	local dir=$1; shift
	mkdir -p "$dir"
	if [ ! -x "$ROOT/configure" ] || [ "$ROOT/configure.ac" -nt "$ROOT/configure" ]; then
		say "autoreconf"
		(cd "$ROOT" && autoreconf -fi >/dev/null 2>&1) || (cd "$ROOT" && autoreconf -fi)
	fi
	local want="$*"
	if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/.acloud-configure-args" 2>/dev/null)" != "$want" ]; then
		say "configure in ${dir#$ROOT/} $want"
		(cd "$dir" && "$ROOT/configure" -q --prefix="$dir/prefix" "$@") || die "configure failed"
		printf '%s' "$want" > "$dir/.acloud-configure-args"
	fi
	say "make in ${dir#$ROOT/}"
	make -C "$dir" -s -j"$(nproc)" >/dev/null || make -C "$dir" -j1 || die "build failed"
}

dev_build() {
	build_in "$BUILD_DIR"
}
