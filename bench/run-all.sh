#!/usr/bin/env bash
# bench/run-all.sh: every benchmark of the project into one report.
#   http.sh       API reads through nginx vs pgbench -S, worker memory
#   tasks.sh      task creation vs pgbench -N, status reads vs pgbench -S,
#                 search over 100 000 tasks
#   scheduler.sh  dispatch latency and end-to-end throughput vs pgbench -N
#   sim.sh        simulator speed (right-hand-side evaluations per second)
# The report goes to stdout and to .dev-bench/report-<date>.txt; the
# method and the last figures are in bench/README.md.  Run it on a quiet
# machine: the figures are only as good as the machine is idle.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$ROOT/.dev-bench"
REPORT=$ROOT/.dev-bench/report-$(date -u +%Y%m%dT%H%M%SZ).txt
{
	echo "# Analog Cloud benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(git -C "$ROOT" rev-parse --short HEAD)"
	for b in http tasks scheduler; do
		echo; echo "## $b"
		"$ROOT/bench/$b.sh" 2>&1 | sed -n '/^benchmark\|^[A-Za-z(]/,$p' | grep -v '^==>'
	done
	echo; echo "## sim"
	"$ROOT/bench/sim.sh" "$ROOT/build"
	echo; echo "## memory after the load (largest process of each kind, kB RSS)"
	echo "(worker RSS is reported by http.sh; scheduler RSS by scheduler.sh)"
} 2>&1 | tee "$REPORT"
echo "report: $REPORT"
