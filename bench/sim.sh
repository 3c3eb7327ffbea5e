#!/bin/sh
# bench/sim.sh [BUILD_DIR]: simulator benchmark (issue 5).
#  - Lorenz attractor, the circuit lucipy's booklet builds
#    (tests/data/lorenz_config.json, ADC on x, y, z), 0.1 s at 10 kHz
#  - harmonic oscillator (tests/data/harmonic_pb.apb), 1 s at 100 kHz
# Prints the best of 5 wall times, steps and right-hand-side evaluations
# per second (target: >= 10 M/s on one core).  BUILD_DIR is a configured
# out-of-tree build directory (default: the current directory).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-.}
[ -f "$build/Makefile" ] || { echo "sim.sh: $build is not a build directory" >&2; exit 2; }
make -C "$build" -s bench/sim-bench >/dev/null
bench="$build/bench/sim-bench"
"$bench" lorenz "$here/tests/data/lorenz_config.json" 0.1 10000 0,1,2
"$bench" harmonic "$here/tests/data/harmonic_pb.apb" 1 100000 -
