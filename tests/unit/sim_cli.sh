#!/bin/sh
# sim_cli: acloud-sim and acloud-compile as the scheduler runs them:
# file and stdin forms, the command-driver JSON on stdin (JSON and base64
# APB circuits), exit codes and one-line errors, compile | simulate.
set -u
data="${srcdir:-.}/tests/data"
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {  # check NAME COMMAND...: COMMAND must succeed
	name=$1; shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

# APB fixture: one channel, 5 samples, starts at 0.42 (float 0.419999987)
./acloud-sim "$data/harmonic_pb.apb" --op-time 0.0005 --sample-rate 10000 \
	>"$tmp/out" 2>"$tmp/err"
check "apb run exits 0" test $? -eq 0
check "apb result" grep -q '^\[\[0.419999987,0.226926961,-0.174781666,-0.415796836,-0.274530312\]\]$' "$tmp/out"
check "summary line" grep -q '^done: 5 samples x 1 channels, .* rhs evals' "$tmp/err"
check "progress line" grep -q '^progress 100%$' "$tmp/err"

# JSON circuit on stdin with --adc
./acloud-sim - --op-time 0.001 --sample-rate 1000 --adc 0,-,2 \
	<"$data/lorenz_config.json" >"$tmp/out" 2>/dev/null
check "json stdin run" grep -q '^\[\[-1\],\[0\]\]$' "$tmp/out"

# command-driver form
b64=$(base64 -w0 "$data/harmonic_pb.apb")
printf '{"circuit_apb": "%s", "op_time": 0.0002, "sample_rate": 10000}' "$b64" |
	./acloud-sim --stdin-run >"$tmp/out" 2>/dev/null
check "stdin-run apb" grep -q '^\[\[0.419999987,0.226926961\]\]$' "$tmp/out"
printf '{"circuit": %s, "op_time": 0.0001, "sample_rate": 10000}' \
	"$(cat "$data/lorenz_config.json")" | ./acloud-sim --stdin-run >"$tmp/out" 2>/dev/null
check "stdin-run json without adc channels" grep -q '^\[\]$' "$tmp/out"

# errors: exit 1, one line on stderr
printf '{"circuit": {"/0": {"/C": {"elements": [2]}}}, "op_time": 0.1, "sample_rate": 10}' |
	./acloud-sim --stdin-run >/dev/null 2>"$tmp/err"
check "bad circuit exits 1" test $? -eq 1
check "bad circuit message" grep -q '^acloud-sim: error: circuit /0/C/elements/0: coefficient 2 of lane 0 out of range' "$tmp/err"
check "one line" test "$(wc -l <"$tmp/err")" -eq 1
# stdin_err NAME INPUT MESSAGE: --stdin-run of INPUT fails with MESSAGE
stdin_err() {
	printf '%s' "$2" | ./acloud-sim --stdin-run >/dev/null 2>"$tmp/err"
	check "$1" test "$(cat "$tmp/err")" = "acloud-sim: error: $3"
}
stdin_err "input not JSON" '{"op_time": ' "input is not valid JSON: 1:12: unexpected token near end of file"
stdin_err "input not an object" '[1]' "input must be a JSON object"
stdin_err "unknown key" '{"circuit": {}, "op_time": 1, "sample_rate": 1, "adc": 1}' \
	'unknown key "adc" (allowed: circuit, circuit_apb, op_time, sample_rate)'
stdin_err "two circuits" '{"circuit": {}, "circuit_apb": "", "op_time": 1, "sample_rate": 1}' \
	"exactly one of circuit and circuit_apb is required"
stdin_err "op_time a string" '{"circuit": {}, "op_time": "1", "sample_rate": 1}' \
	"op_time and sample_rate must be numbers"
stdin_err "apb not base64" '{"circuit_apb": "!", "op_time": 1, "sample_rate": 1}' \
	"circuit_apb must be a base64 string"
./acloud-sim "$data/harmonic_pb.apb" --op-time 11 --sample-rate 10 >/dev/null 2>"$tmp/err"
check "op_time limit" grep -q 'op_time 11 s out of range' "$tmp/err"
./acloud-sim "$data/harmonic_pb.apb" --op-time 10 --sample-rate 1000000 >/dev/null 2>"$tmp/err"
check "result size limit" grep -q 'exceed the limit of 2000000' "$tmp/err"
./acloud-sim "$data/lucidac.apb" >/dev/null 2>"$tmp/err"
check "entity spec rejected" grep -q 'not a circuit' "$tmp/err"

# compile | simulate: x' = y, y' = -x, x(0) = 1 is cos(t), t in 100 us units
printf "x' = y\ny' = -x\nx(0) = 1\nmeasure x\n" | ./acloud-compile --target LUCIDAC >"$tmp/c.apb"
check "compile exits 0" test $? -eq 0
./acloud-sim "$tmp/c.apb" --op-time 0.0002 --sample-rate 10000 >"$tmp/out" 2>/dev/null
check "compiled cosine" grep -q '^\[\[1,0.540302306\]\]$' "$tmp/out"
printf "x' = y\ny' = -x\nx(0) = 1\nmeasure x\n" | ./acloud-compile --json >"$tmp/c.json"
./acloud-sim "$tmp/c.json" --op-time 0.0002 --sample-rate 10000 >"$tmp/out" 2>/dev/null
check "compiled json cosine" grep -q '^\[\[1,0.540302306\]\]$' "$tmp/out"
printf "x' = 1\ny' = 2x\n" | ./acloud-compile >/dev/null 2>"$tmp/err"
check "compile error exits 1" test $? -eq 1
check "compile diagnostic" grep -qx "2:7: expected an operator ('\*' for products), found name 'x'" "$tmp/err"
./acloud-compile --target SIM </dev/null >/dev/null 2>&1
check "bad target exits 2" test $? -eq 2

exit $fails
