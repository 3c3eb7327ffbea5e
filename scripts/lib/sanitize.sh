# sanitize.sh: the memory-error gates of issue 7, item 1: an ASan + UBSan
# build (unit tests here; the lead's test.sh also runs the integration
# suite against a stack started from it) and a valgrind run of the unit
# tests of a plain build.  Any sanitizer or valgrind report fails the run.
#
# Sourced; expects $ROOT, say, die and build_in from common.sh.
#
#   asan_build               build (programs and unit tests) in
#                            $ACLOUD_ASAN_BUILD_DIR ($ROOT/build-asan)
#   sanitizer_env            export the options that make ASan/UBSan fatal
#   run_asan_unit [DIR]      unit tests of the ASan build through test.sh's
#                            run_unit_tests (counted there)
#   run_valgrind_unit DIR    each criterion program in DIR/tests/unit under
#                            valgrind; sets VALGRIND_PASSED / VALGRIND_FAILED
#
# Criterion 2.4 runs every test in a worker process and has no option to
# run them in its own process (--debug wants a debugger), and it ignores a
# worker's exit status unless the worker crashes.  So valgrind follows the
# workers (--trace-children=yes), writes one log per process, and a program
# fails when any log reports an error (a definite leak counts as one), or
# when criterion itself fails.  Valgrind needs a build without sanitizers
# (ASan and valgrind cannot share a process): pass the plain build.

ASAN_BUILD_DIR=${ACLOUD_ASAN_BUILD_DIR:-$ROOT/build-asan}
VALGRIND_OUT=${ACLOUD_VALGRIND_OUT:-$ROOT/.dev-valgrind}
VALGRIND_PASSED=0
VALGRIND_FAILED=0

asan_build() {
	build_in "$ASAN_BUILD_DIR" --enable-sanitizers
	# The unit test programs too, without running them (TESTS empty).
	make -C "$ASAN_BUILD_DIR" -s -j"$(nproc)" check TESTS= >/dev/null \
		|| die "building the unit tests in ${ASAN_BUILD_DIR#"$ROOT"/} failed"
}

# detect_leaks is on by default on x86_64 Linux; set anyway, with the
# abort that turns a report into a crash criterion and the stack notice.
sanitizer_env() {
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
}

# A leak found by LeakSanitizer at a criterion worker's exit shows as
# "Warning! The test ... crashed during its setup or teardown" with the
# test still counted as passing, but the program exits non-zero, which
# run_unit_tests counts as a failure.
run_asan_unit() { # [builddir]
	local dir=${1:-$ASAN_BUILD_DIR}
	declare -F run_unit_tests >/dev/null || die "run_asan_unit needs run_unit_tests (scripts/lib/test.sh)"
	sanitizer_env
	run_unit_tests "unit tests (ASan+UBSan)" "$dir"
}

# The criterion programs of a build's tests/unit/ (ELF, linked with it).
criterion_programs() { # builddir
	local f
	for f in "$1"/tests/unit/*; do
		{ [ -f "$f" ] && [ -x "$f" ]; } || continue
		[ "$(head -c 4 "$f" | tr -d '\0')" = "$(printf '\177ELF')" ] || continue
		# (not `ldd | grep -q`: with pipefail, grep's early exit can
		# fail the pipeline through ldd's SIGPIPE)
		case $(ldd "$f" 2>/dev/null) in *libcriterion*) ;; *) continue ;; esac
		printf '%s\n' "$f"
	done
}

# Runs one program under valgrind; 0 when clean.  Logs go to DIR.
valgrind_one() { # program logdir
	local prog=$1 logs=$2 rc=0
	rm -rf "$logs"
	mkdir -p "$logs"
	valgrind --trace-children=yes --trace-children-skip='/bin/*,/usr/bin/*,/usr/sbin/*' \
		--leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
		--log-file="$logs/vg.%p.log" \
		"$prog" --jobs 1 --ascii > "$logs/criterion.out" 2>&1 || rc=$?
	if grep -l 'ERROR SUMMARY: [1-9]' "$logs"/vg.*.log >/dev/null 2>&1; then
		return 1
	fi
	return "$rc"
}

run_valgrind_unit() { # builddir
	local dir=${1:-} prog name logs n=0
	[ -d "$dir/tests/unit" ] || die "run_valgrind_unit: no unit tests in '$dir' (build with make check TESTS= first)"
	dir=$(cd "$dir" && pwd)
	command -v valgrind >/dev/null || die "valgrind not found (apt-get install valgrind)"
	sanitizer_env
	say "unit tests under valgrind (${dir#"$ROOT"/})"
	for prog in $(criterion_programs "$dir"); do
		name=$(basename "$prog")
		case $(ldd "$prog" 2>/dev/null) in
		*libasan*|*libubsan*) die "run_valgrind_unit: $name is built with sanitizers; give a plain build" ;;
		esac
		n=$((n + 1))
		logs=$VALGRIND_OUT/$name
		if (cd "$dir" && valgrind_one "$prog" "$logs"); then
			VALGRIND_PASSED=$((VALGRIND_PASSED + 1))
			say "valgrind $name: ok"
		else
			VALGRIND_FAILED=$((VALGRIND_FAILED + 1))
			say "valgrind $name: FAILED (logs in ${logs#"$ROOT"/})"
			grep -h -A25 -E 'ERROR SUMMARY: [1-9]|definitely lost|Invalid (read|write)|uninitialised' \
				"$logs"/vg.*.log 2>/dev/null | head -80 >&2 || true
			tail -n 20 "$logs/criterion.out" >&2
		fi
	done
	[ "$n" -gt 0 ] || die "run_valgrind_unit: no criterion programs in $dir/tests/unit"
	say "valgrind: $VALGRIND_PASSED passed, $VALGRIND_FAILED failed"
}
