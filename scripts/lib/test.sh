# test.sh: `scripts/dev test`: unit tests, then a private test stack with
# the integration suites against it, then one summary line.  Sourced;
# expects $ROOT, common.sh and stack.sh.

TEST_STATE=${ACLOUD_TEST_STATE_DIR:-$ROOT/.dev-test}
# Outputs (TAP files, screenshots, logs of the suites) outlive the stacks.
TEST_OUT=${ACLOUD_TEST_OUT:-$ROOT/.dev-test-out}
TOTAL_PASSED=0
TOTAL_FAILED=0
FAILED_SUITES=""

count() { # suite passed failed
	TOTAL_PASSED=$((TOTAL_PASSED + $2))
	TOTAL_FAILED=$((TOTAL_FAILED + $3))
	[ "$3" -gt 0 ] && FAILED_SUITES="$FAILED_SUITES $1"
	say "$1: $2 passed, $3 failed"
}

# make check in a build dir.  Criterion programs count their own tests
# ("Synthesis: Tested: N | Passing: N | Failing: N | Crashing: N"); other
# check programs count as one test each.
run_unit_tests() { # label builddir
	local label=$1 dir=$2 log passed=0 failed=0 f line
	say "unit tests ($label)"
	make -C "$dir" -s -j"$(nproc)" check >/dev/null 2>&1 || true
	log=$dir/test-suite.log
	[ -f "$log" ] || { count "$label" 0 1; return; }
	for f in $(find "$dir/tests" "$dir/docs" -name '*.trs' 2>/dev/null); do
		line=$(grep -h 'Synthesis: Tested' "${f%.trs}.log" 2>/dev/null | tail -1 || true)
		if [ -n "$line" ]; then
			passed=$((passed + $(printf '%s' "$line" | sed -n 's/.*Passing: *\([0-9]*\).*/\1/p')))
			failed=$((failed + $(printf '%s' "$line" | sed -n 's/.*Failing: *\([0-9]*\).*/\1/p') \
				+ $(printf '%s' "$line" | sed -n 's/.*Crashing: *\([0-9]*\).*/\1/p')))
		fi
		if grep -q '^:test-result: \(FAIL\|ERROR\)' "$f"; then
			[ -n "$line" ] && [ "$(printf '%s' "$line" | sed -n 's/.*Failing: *\([0-9]*\).*/\1/p')" != 0 ] || failed=$((failed + 1))
		elif [ -z "$line" ] && grep -q '^:test-result: PASS' "$f"; then
			passed=$((passed + 1))
		fi
	done
	# Criterion prints its own synthesis per program; show the failing ones.
	if [ "$failed" -gt 0 ]; then
		grep -h -B2 -A20 -E '^(FAIL|ERROR):' "$log" | head -200 >&2 || true
		grep -l -E '^:test-result: (FAIL|ERROR)' "$dir"/tests/unit/*.trs "$dir"/tests/*/*.trs 2>/dev/null | sed 's/\.trs$/.log/' | xargs -r tail -n 40 >&2 || true
	fi
	count "$label" "${passed:-0}" "$failed"
}

# Start a fresh stack on its own ports for the integration suites.
test_stack_up() { # builddir
	export ACLOUD_BUILD_DIR=$1
	BUILD_DIR=$1
	export ACLOUD_STATE_DIR=$TEST_STATE
	export ACLOUD_HTTP_PORT=${ACLOUD_TEST_HTTP_PORT:-18080}
	export ACLOUD_HTTPS_PORT=${ACLOUD_TEST_HTTPS_PORT:-18443}
	export ACLOUD_PG_PORT=${ACLOUD_TEST_PG_PORT:-54339}
	export ACLOUD_AUTH_FILE=$TEST_STATE/auth.yml
	export ACLOUD_DEVICES_FILE=$ROOT/tests/integration/devices.test.yml
	stack_down >/dev/null 2>&1 || true
	rm -rf "$TEST_STATE"
	mkdir -p "$TEST_STATE" "$TEST_OUT"
	# The tests edit the auth file (reload tests), so they get a copy.
	cp "$ROOT/tests/integration/auth.test.yml" "$ACLOUD_AUTH_FILE"
	stack_up > "$TEST_OUT/stack-up.log" 2>&1 || { cat "$TEST_OUT/stack-up.log" >&2; return 1; }
	stack_env
}

test_stack_down() {
	stack_down > /dev/null 2>&1 || true
}

run_node_suite() { # label files...
	local label=$1 tap passed failed; shift
	tap=$TEST_OUT/$label.tap
	say "integration tests ($label)"
	NODE_EXTRA_CA_CERTS=$ETC/tls.crt \
	ACLOUD_TEST_BASE="https://127.0.0.1:$HTTPS_PORT" \
	ACLOUD_TEST_HTTP_BASE="http://127.0.0.1:$HTTP_PORT" \
	ACLOUD_TEST_STATE="$STATE" ACLOUD_TEST_PG_SOCK="$PG_SOCK" ACLOUD_TEST_PG_PORT="$PG_PORT" \
	ACLOUD_TEST_ROOT="$ROOT" ACLOUD_TEST_BUILD="$BUILD_DIR" ACLOUD_TEST_OUT="$TEST_OUT" \
	ACLOUD_TEST_AUTH_FILE="$ACLOUD_AUTH_FILE" ACLOUD_TEST_WORKERS="$WORKERS" \
	ACLOUD_BASE_URL="https://127.0.0.1:$HTTPS_PORT" ACLOUD_API_KEY="$DEMO_KEY" ACLOUD_CA_CERT="$ETC/tls.crt" \
	OPENAPI_JSON="$BUILD_DIR/docs/openapi.json" ACLOUD_REQUIRE_ALL=1 \
		node --test --test-concurrency=1 --test-timeout=600000 \
		--test-reporter=spec --test-reporter-destination=stdout \
		--test-reporter=tap --test-reporter-destination="$tap" "$@" || true
	passed=$(sed -n 's/^# pass //p' "$tap" | tail -1)
	failed=$(sed -n 's/^# fail //p' "$tap" | tail -1)
	[ -n "$passed" ] || { passed=0; failed=1; }
	count "$label" "$passed" "${failed:-0}"
}

run_scheduler_suite() { # label builddir
	local label=$1 dir=$2 out passed failed log=$TEST_OUT/$1.log
	say "scheduler tests ($label)"
	"$ROOT/tests/integration/scheduler/run.sh" "$dir" > "$log" 2>&1 || true
	cat "$log"
	out=$(tail -1 "$log")
	passed=$(printf '%s' "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	failed=$(printf '%s' "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	count "$label" "${passed:-0}" "${failed:-1}"
}

# tests/scaleout: seven hosts in network namespaces and four faults, bounded
# to 5 minutes; it prints its fault table.
run_scaleout_suite() { # builddir
	local out passed failed log=$TEST_OUT/scaleout.log
	say "scale-out tests (network namespaces)"
	timeout -k 10 300 "$ROOT/tests/scaleout/run.sh" "$1" > "$log" 2>&1 || true
	cat "$log"
	out=$(tail -1 "$log")
	passed=$(printf '%s' "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	failed=$(printf '%s' "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	count scaleout "${passed:-0}" "${failed:-1}"
}

# The suites against a stack started from one build.
run_stack_suites() { # label builddir node-test-files...
	local label=$1 dir=$2; shift 2
	if test_stack_up "$dir"; then
		run_node_suite "$label" "$@"
		test_stack_down
	else
		count "$label stack" 0 1
	fi
}

# Any sanitizer report in a log of the test runs fails the run.
check_sanitizer_logs() { # label dirs...
	local label=$1 hits; shift
	hits=$(grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' \
		-r "$@" 2>/dev/null || true)
	if [ -n "$hits" ]; then
		grep -h -B2 -A30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' $hits | head -120 >&2
		count "$label" 0 1
	else
		count "$label" 1 0
	fi
}

# Layers call downward only: no source files that call each other in a
# circle (scripts/lib/layers.mjs reads the build's object files).
run_layers_check() { # builddir
	local out=$TEST_OUT/layers.txt
	say "layers (no call circles between source files)"
	if node "$ROOT/scripts/lib/layers.mjs" "$1" > "$out" 2>&1; then
		count "layers: $(tail -1 "$out")" 1 0
	else
		cat "$out" >&2
		count layers 0 1
	fi
}

# Whether suite $1 is to run: all of them, or the ones named on the command
# line (`scripts/dev test unit integration`); integration suites can be
# narrowed to some files with ACLOUD_TEST_FILES (a grep pattern).
want_suite() {
	[ -z "$WANT_SUITES" ] || printf ' %s ' "$WANT_SUITES" | grep -q " $1 "
}

run_all_tests() {
	. "$ROOT/scripts/lib/sanitize.sh"
	. "$ROOT/scripts/lib/fuzz.sh"
	local node_suites=("$ROOT"/tests/integration/*.test.mjs)
	local plain=$BUILD_DIR s
	WANT_SUITES="$*"
	for s in $WANT_SUITES; do
		case $s in style|layers|unit|integration|scheduler|scaleout|asan|valgrind|fuzz) ;;
		*) die "unknown suite '$s' (style layers unit integration scheduler scaleout asan valgrind fuzz)" ;;
		esac
	done
	if [ -n "${ACLOUD_TEST_FILES:-}" ]; then
		mapfile -t node_suites < <(printf '%s\n' "${node_suites[@]}" | grep -E -e "$ACLOUD_TEST_FILES")
	fi

	rm -rf "$TEST_OUT"
	mkdir -p "$TEST_OUT"
	. "$ROOT/scripts/lib/style.sh"
	if want_suite style; then
		check_fmt
		if [ "$STYLE_FAILED" -eq 0 ]; then count "style ($STYLE_PASSED files)" 1 0; else count style 0 1; fi
	fi
	dev_build
	want_suite layers && run_layers_check "$plain"
	want_suite unit && run_unit_tests unit "$plain"
	want_suite integration && run_stack_suites integration "$plain" "${node_suites[@]}"
	want_suite scheduler && run_scheduler_suite scheduler "$plain"
	want_suite scaleout && run_scaleout_suite "$plain"

	# The same programs built with AddressSanitizer and UBSan: unit tests,
	# then the API and scheduler suites with workers and scheduler under
	# the sanitizers (the browser and generated-client suites add nothing
	# there and are left to the plain build).
	if want_suite asan; then
		asan_build
		run_asan_unit "$ASAN_BUILD_DIR"
		sanitizer_env
		run_stack_suites integration-asan "$ASAN_BUILD_DIR" \
			$(printf '%s\n' "${node_suites[@]}" | grep -v -e docs-ui -e client.test -e console.test)
		check_sanitizer_logs "sanitizer reports (API stack)" "$TEST_STATE/logs"
		# (the scheduler suite fails itself on a sanitizer report in its logs)
		run_scheduler_suite scheduler-asan "$ASAN_BUILD_DIR"
		unset ASAN_OPTIONS UBSAN_OPTIONS
	fi

	if want_suite valgrind; then
		run_valgrind_unit "$plain"
		count valgrind "$VALGRIND_PASSED" "$VALGRIND_FAILED"
	fi

	if want_suite fuzz; then
		run_fuzz_all "${ACLOUD_FUZZ_SECONDS:-30}"
		count fuzz "$FUZZ_PASSED" "$FUZZ_FAILED"
	fi
	echo
	[ -n "$FAILED_SUITES" ] && say "failing suites:$FAILED_SUITES"
	echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
	[ "$TOTAL_FAILED" -eq 0 ]
}
