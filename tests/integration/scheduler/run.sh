#!/bin/bash
# Scheduler integration tests: runs every t_*.sh (each with its own
# throwaway PostgreSQL cluster) against BUILD_DIR and ends with
# "N passed, M failed"; exit status non-zero on any failure.
#   tests/integration/scheduler/run.sh BUILD_DIR [t_name ...]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:?usage: run.sh BUILD_DIR [t_name ...]}
shift
passed=0
failed=0
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=($(cd "$HERE" && ls t_*.sh | sed 's/\.sh$//'))

for t in "${tests[@]}"; do
	echo "# --- $t"
	out=$(bash "$HERE/$t.sh" "$BUILD" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok - ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok - ')
	# A script that dies before its assertions counts as one failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $t exited with status $rc"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
