#!/bin/bash
# Dispatch under reservations and maintenance (sql/009_reservations.sql):
# bob holds sim-3 for 3 s; alice's task, queued first and at a higher
# priority, waits and starts within 1 s after the reservation's end, while
# bob's tasks run during it.  A task that started before a reservation
# began runs to its end.  Maintenance keeps queued tasks waiting across a
# scheduler restart, and ending it lets them run.
. "$(dirname "$0")/lib.sh"

write_config s1
cat >"$T/s1-devices.yml" <<YML
devices:
  - {name: sim-3, class: SIMULATOR, driver: simulator}
  - name: slow-1
    class: LUCIDAC
    driver: command
    command: ["/bin/sh", "-c", "sleep 2; echo '[[0.5]]'"]
    timeout_s: 60
YML
start_sched s1
check "devices registered and available" wait_sql \
	"SELECT count(*) = 2 FROM devices WHERE configured AND available" 10

# enqueue_for USER DEVICE CLASS N PRIORITY: N tasks of USER, as enqueue_runs.
enqueue_for() {
	ENQUEUE_USER=$1 enqueue_runs "$2" "$3" "$4" "$5" >/dev/null
}

# ---- a reservation: only the holder's tasks run ------------------------------
rid=$(q "SELECT id FROM acloud_create_reservation('sim-3', 'bob', now(), now() + interval '3 s',
        NULL, 'reservation', 'admin', false)")
check "reservation made" test -n "$rid"
enqueue_for alice sim-3 SIMULATOR 1 5
enqueue_for bob sim-3 SIMULATOR 3 1
check "alice's task succeeds after the end" wait_sql \
	"SELECT count(*) = 1 FROM tasks WHERE user_id = 'alice' AND state = 'succeeded'" 10
eq "bob's tasks ran inside the window" "$(q "
SELECT count(*) FROM tasks t, reservations r WHERE r.id = '$rid' AND t.user_id = 'bob'
   AND t.state = 'succeeded' AND r.period @> t.started_at")" 3
eq "alice's task started within 1 s after the end" "$(q "
SELECT t.started_at >= upper(r.period) AND t.started_at < upper(r.period) + interval '1 s'
  FROM tasks t, reservations r WHERE r.id = '$rid' AND t.user_id = 'alice'")" t
echo "# alice started $(q "SELECT round(extract(epoch FROM t.started_at - upper(r.period)) * 1000)
  FROM tasks t, reservations r WHERE r.id = '$rid' AND t.user_id = 'alice'") ms after the end"

# ---- a task started before a reservation runs to its end ---------------------
enqueue_for carol slow-1 LUCIDAC 1 1
check "slow task started" wait_sql "SELECT count(*) = 1 FROM tasks WHERE device_name = 'slow-1'
  AND state = 'inprogress'" 10
q "SELECT outcome FROM acloud_create_reservation('slow-1', 'bob', now(), now() + interval '30 s',
   NULL, 'session', 'bob', false)" >/dev/null
check "it still succeeds" wait_sql "SELECT count(*) = 1 FROM tasks WHERE device_name = 'slow-1'
  AND state = 'succeeded' AND finished_at > (SELECT lower(period) FROM reservations
  WHERE device_name = 'slow-1')" 10

# ---- maintenance, across a restart -------------------------------------------
q "SELECT ok FROM acloud_set_maintenance('sim-3', true, 'recalibrating')" >/dev/null
eq "maintenance makes the device unavailable" \
	"$(q "SELECT available, reachable FROM devices WHERE name = 'sim-3'")" "f|t"
enqueue_for alice sim-3 SIMULATOR 2 1
sleep 2
eq "queued tasks wait during maintenance" \
	"$(q "SELECT count(*) FROM tasks WHERE user_id = 'alice' AND state = 'queued'")" 2
stop_scheds
start_sched s1
sleep 3
eq "still waiting after a scheduler restart" \
	"$(q "SELECT count(*) FROM tasks WHERE user_id = 'alice' AND state = 'queued'")" 2
eq "still unavailable after the restart" \
	"$(q "SELECT available, maintenance FROM devices WHERE name = 'sim-3'")" "f|t"
q "SELECT ok FROM acloud_set_maintenance('sim-3', false, NULL)" >/dev/null
check "maintenance off: the queued tasks run" wait_sql \
	"SELECT count(*) = 0 FROM tasks WHERE state = 'queued'" 10
eq "available again" "$(q "SELECT available FROM devices WHERE name = 'sim-3'")" t

# ---- the counters the metrics read --------------------------------------------
eq "finished tasks counted" "$(q "SELECT sum(value)::int FROM metric_counters
  WHERE name = 'acloud_tasks_finished_total'")" "$(q "SELECT count(*) FROM tasks WHERE state <> 'queued'")"
eq "dispatch latencies observed" "$(q "SELECT sum(count)::int FROM metric_buckets
  WHERE name = 'acloud_task_dispatch_latency_seconds'")" "$(q "SELECT count(*) FROM tasks")"

finish_test
