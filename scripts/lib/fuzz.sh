# fuzz.sh: the libFuzzer gate (issue 7, item 2).  Owns building the fuzz
# targets (clang, --enable-fuzzing: ASan + UBSan + libFuzzer) and running
# them for a bounded time each, so `scripts/dev test` can run every target
# briefly and `scripts/dev fuzz TARGET SECONDS` one of them for longer.
#
# Sourced; expects $ROOT, say, die and build_in from common.sh.
#
#   fuzz_build                  build in $ACLOUD_FUZZ_BUILD_DIR ($ROOT/build-fuzz)
#   run_fuzz_all SECONDS_EACH   every target; sets FUZZ_PASSED / FUZZ_FAILED
#   run_fuzz TARGET|all SECONDS one target (or all); fails on a finding
#
# The targets are the directories of tests/fuzz/corpus/ (one per target;
# the seeds plus every input that once crashed, replayed at each start).
# A run works on a copy of the corpus in a scratch directory, so the new
# inputs libFuzzer finds do not flood the repository.  A finding (crash,
# leak, UBSan report, timeout over 10 s, more than 2 GB) is kept under
# $ACLOUD_FUZZ_OUT ($ROOT/.dev-fuzz/<target>/) with libFuzzer's log; fix
# the bug and copy the input into tests/fuzz/corpus/<target>/ as a
# regression input.  ACLOUD_FUZZ_JOBS (default: the number of cores)
# targets run side by side.

FUZZ_BUILD_DIR=${ACLOUD_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
FUZZ_OUT=${ACLOUD_FUZZ_OUT:-$ROOT/.dev-fuzz}
FUZZ_PASSED=0
FUZZ_FAILED=0

fuzz_build() {
	command -v clang >/dev/null || die "clang not found (apt-get install clang libclang-rt-14-dev)"
	build_in "$FUZZ_BUILD_DIR" CC=clang --enable-fuzzing
}

fuzz_targets() {
	local d
	for d in "$ROOT"/tests/fuzz/corpus/*/; do
		basename "$d"
	done
}

# A scratch directory on tmpfs when there is one (the config targets write
# their input to a file per run).
fuzz_scratch() {
	local base=/tmp
	[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
	mktemp -d "$base/acloud-fuzz.XXXXXX"
}

# Runs one target; writes "ok RUNS" or "fail REASON" to DIR/result and
# always returns 0 (so it can run as a background job under set -e).
fuzz_one() { # target seconds scratch
	local t=$1 secs=$2 dir=$3/$1 bin=$FUZZ_BUILD_DIR/tests/fuzz/$1 dict rc=0 runs
	local -a args
	mkdir -p "$dir/corpus" "$dir/artifacts"
	cp -R "$ROOT/tests/fuzz/corpus/$t/." "$dir/corpus/"
	args=(-max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
	      -artifact_prefix="$dir/artifacts/")
	dict=$ROOT/tests/fuzz/${t#fuzz_}.dict
	[ -f "$dict" ] && args+=(-dict="$dict")
	if [ ! -x "$bin" ]; then
		echo "fail no binary $bin (fuzz_build first)" > "$dir/result"
		return 0
	fi
	# The hard timeout is for a target that hangs outside libFuzzer's own
	# per-input timer.
	(cd "$dir" && ACLOUD_FUZZ_TMPDIR="$dir" \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		timeout -k 10 $((secs + 120)) "$bin" "${args[@]}" corpus > log 2>&1) || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$dir/log" | tail -1)
	if [ "$rc" = 0 ]; then
		echo "ok ${runs:-?}" > "$dir/result"
	else
		echo "fail $(fuzz_finding "$dir" "$rc")" > "$dir/result"
	fi
	return 0
}

# One line describing what went wrong in a target's run: the sanitizer's
# report, else the target's own check ("fuzz_...: why"), else libFuzzer's
# (timeout, out of memory, deadly signal).
fuzz_finding() { # dir rc
	local dir=$1 rc=$2 what="" pattern artifact
	for pattern in '^==[0-9]+==ERROR: |runtime error: ' '^fuzz_[a-z_]*: ' 'ERROR: libFuzzer' '^SUMMARY: '; do
		what=$(grep -a -m1 -E "$pattern" "$dir/log" | sed 's/^==[0-9]*== *//' | cat -v || true)
		[ -n "$what" ] && break
	done
	[ -n "$what" ] || what="exit status $rc"
	artifact=$(find "$dir/artifacts" -type f -printf "%f\n" 2>/dev/null | head -1 || true)
	printf '%s%s' "$what" "${artifact:+ (input: $artifact)}"
}

# Keeps a failed target's log and inputs in $FUZZ_OUT/<target>/.
fuzz_keep() { # target scratch
	local t=$1 dir=$2/$1 keep=$FUZZ_OUT/$1
	rm -rf "$keep"
	mkdir -p "$keep"
	cp "$dir/log" "$keep/log"
	cp -R "$dir/artifacts/." "$keep/" 2>/dev/null || true
	say "fuzz $t: log and input kept in ${keep#"$ROOT"/}"
	tail -n 40 "$dir/log" | cat -v >&2
}

# Runs the targets named, ACLOUD_FUZZ_JOBS at a time, then reports each in
# order.  Adds to FUZZ_PASSED / FUZZ_FAILED.
fuzz_run_targets() { # seconds targets...
	local secs=$1 scratch jobs t result running=0; shift
	jobs=${ACLOUD_FUZZ_JOBS:-$(nproc)}
	scratch=$(fuzz_scratch)
	for t in "$@"; do
		if [ "$running" -ge "$jobs" ]; then
			wait -n || true
			running=$((running - 1))
		fi
		fuzz_one "$t" "$secs" "$scratch" &
		running=$((running + 1))
	done
	wait || true
	for t in "$@"; do
		result=$(cat "$scratch/$t/result" 2>/dev/null || echo "fail no result")
		case $result in
		ok\ *)
			FUZZ_PASSED=$((FUZZ_PASSED + 1))
			say "fuzz $t: ok (${result#ok } runs)" ;;
		*)
			FUZZ_FAILED=$((FUZZ_FAILED + 1))
			say "fuzz $t: FAILED: ${result#fail }"
			fuzz_keep "$t" "$scratch" ;;
		esac
	done
	rm -rf "$scratch"
}

run_fuzz_all() { # seconds_each
	local secs=${1:-60}
	case $secs in ''|*[!0-9]*) die "run_fuzz_all: seconds must be a number, not '$secs'" ;; esac
	fuzz_build
	say "fuzzing $(fuzz_targets | wc -l) targets, $secs s each"
	# shellcheck disable=SC2046
	fuzz_run_targets "$secs" $(fuzz_targets)
}

# scripts/dev fuzz TARGET SECONDS
run_fuzz() { # target|all seconds
	local t=${1:-} secs=${2:-300}
	[ -n "$t" ] || die "usage: scripts/dev fuzz TARGET|all [SECONDS]; targets: $(fuzz_targets | tr '\n' ' ')"
	case $secs in ''|*[!0-9]*) die "run_fuzz: seconds must be a number, not '$secs'" ;; esac
	if [ "$t" = all ]; then
		run_fuzz_all "$secs"
	else
		[ -d "$ROOT/tests/fuzz/corpus/$t" ] || die "unknown fuzz target '$t'; targets: $(fuzz_targets | tr '\n' ' ')"
		fuzz_build
		fuzz_run_targets "$secs" "$t"
	fi
	say "fuzz: $FUZZ_PASSED passed, $FUZZ_FAILED failed"
	[ "$FUZZ_FAILED" = 0 ]
}
