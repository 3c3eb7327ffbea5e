#!/usr/bin/env bash
# bench/events.sh: acloud-events: latency from the committing transaction
# to a subscriber (p50/p99 over 1 000 events; targets p50 <= 5 ms, p99 <=
# 50 ms) and memory per idle subscriber (target <= 20 KB), on a bench stack.
# BENCH_SUBSCRIBERS (2000) idle subscribers for the memory figure.
. "$(dirname "$0")/lib.sh"
bench_stack_up
say "1 000 events commit -> subscriber, then ${BENCH_SUBSCRIBERS:-2000} idle subscribers"
OUT=$(NODE_EXTRA_CA_CERTS="$ETC/tls.crt" node "$ROOT/bench/events.mjs" "$BASE" "$DEMO_KEY" "$PG_SOCK" "$PG_PORT" "$STATE" "${BENCH_SUBSCRIBERS:-2000}")
node -e '
const r = JSON.parse(process.argv[1]);
const f = (v) => v.toFixed(2);
console.log(`\n${"benchmark".padEnd(40)} ${"p50".padStart(9)} ${"p99".padStart(9)} ${"max".padStart(9)}`);
const row = (name, l) => console.log(`${name.padEnd(40)} ${f(l.p50).padStart(9)} ${f(l.p99).padStart(9)} ${f(l.max).padStart(9)}`);
row("commit -> subscriber (ms, 1 000 events)", r.latency_ms);
row("  same, commit not waiting for WAL flush", r.latency_async_commit_ms);
const m = r.memory_per_subscriber;
console.log(`memory per idle subscriber (${m.subscribers}): acloud-events ${f(m.events_kib)} KiB, nginx workers ${f(m.nginx_kib)} KiB`);
' "$OUT"
