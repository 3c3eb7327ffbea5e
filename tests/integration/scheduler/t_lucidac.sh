#!/bin/bash
# The LUCIDAC driver against a fake device (fake-lucidac.mjs): a good run
# with lucipy Emulation's quirks, an APB circuit, and a device that drops
# the connection mid-run, sends garbage, never answers set_circuit, rejects
# the circuit, reports run state ERROR, or starts a run and goes silent;
# plus an unreachable device whose queue waits.
. "$(dirname "$0")/lib.sh"

write_config s1
{
	echo "devices:"
	for mode in good drop garbage silent error runerror hang; do
		fake_lucidac "$mode"
		echo "  - {name: luci-$mode, class: LUCIDAC, driver: lucidac, endpoint: tcp://127.0.0.1:$FAKE_PORT, timeout_s: 3}"
	done
	echo "  - {name: luci-down, class: LUCIDAC, driver: lucidac, endpoint: tcp://127.0.0.1:1, timeout_s: 3}"
} >"$T/s1-devices.yml"
start_sched s1
check "reachable devices are available" wait_sql \
	"SELECT count(*) = 7 FROM devices WHERE available AND name <> 'luci-down'" 10
check "unreachable device is not available" wait_sql \
	"SELECT NOT available FROM devices WHERE name = 'luci-down'" 10

MEASURE_2=${CIRCUIT/\"adc_channels\":\[0\]/\"adc_channels\":[null,2]}
INPUT="{\"circuit\": $MEASURE_2, \"op_time\": 0.01, \"sample_rate\": 1000}"
for mode in good drop garbage silent error runerror hang down; do
	enqueue_runs "luci-$mode" LUCIDAC 1 1 "$INPUT"
done
enqueue_runs luci-good LUCIDAC 1 1 \
	"{\"circuit_apb\": \"$(base64 -w0 /work/shared/fixtures/apb/harmonic_pb.apb)\", \"op_time\": 0.01, \"sample_rate\": 1000}"

check "all but the unreachable device's tasks end" wait_sql \
	"SELECT count(*) = 8 FROM tasks WHERE state IN ('succeeded', 'failed')" 30
state_of() { q "SELECT state || ': ' || coalesce(error, '') FROM tasks WHERE device_name = 'luci-$1' ORDER BY created_at LIMIT 1"; }
log_of() { q "SELECT string_agg(line, E'\n' ORDER BY seq) FROM task_log l JOIN tasks t ON t.id = l.task_id WHERE t.device_name = 'luci-$1'"; }

eq "good: succeeded" "$(state_of good)" "succeeded: "
eq "good: ADC channel 1 only (the null channel skipped), 10 samples" "$(q "SELECT convert_from(b.data, 'UTF8') FROM tasks t JOIN task_blobs b
	ON b.task_id = t.id AND b.kind = 'result' WHERE t.device_name = 'luci-good' ORDER BY t.created_at LIMIT 1")" \
	"[[1,1.001,1.002,1.003,1.004,1.005,1.006,1.007,1.008,1.009]]"
check "good: device log message in the task log" grep -q "device: run starting" <(log_of good)
check "good: protocol order" grep -qz "get_entities.*set_circuit.*start_run" <(tr '\n' ' ' <"$T/fake-good.log")
eq "good: APB circuit converted and run" "$(q "SELECT state FROM tasks WHERE device_name = 'luci-good' ORDER BY created_at OFFSET 1")" succeeded
check "drop: failed, connection closed" grep -q "^failed: .*connection closed by the device" <(state_of drop)
check "garbage: failed, malformed" grep -q "^failed: .*malformed message from the device" <(state_of garbage)
check "garbage: the line is in the log" grep -q "malformed line from the device: this is not json" <(log_of garbage)
check "silent: failed, no answer to set_circuit" grep -q "^failed: .*no answer within 3000 ms (set_circuit)" <(state_of silent)
check "error: failed with the device's message" grep -q "^failed: .*circuit rejected: lane 40 does not exist" <(state_of error)
check "error: device message in the log" grep -q "circuit rejected: lane 40" <(log_of error)
check "runerror: failed, run state ERROR" grep -q "^failed: .*run state ERROR" <(state_of runerror)
check "hang: failed, no run data" grep -Eq "^failed: .*(no answer within 3000 ms \(run data\)|run timed out after 3 s)" <(state_of hang)
check "hang: stop_run sent" grep -q "^stop_run$" "$T/fake-hang.log"
eq "down: task waits in the queue" "$(state_of down)" "queued: "
eq "down: never claimed" "$(q "SELECT count(*) FROM task_history h JOIN tasks t ON t.id = h.task_id
	WHERE t.device_name = 'luci-down' AND h.state = 'inprogress'")" 0
eq "failed runs reached the device (no requeue)" "$(q "SELECT count(*) FROM tasks WHERE state = 'failed' AND reached_device")" 6

finish_test
