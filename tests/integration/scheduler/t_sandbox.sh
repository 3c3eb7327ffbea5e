#!/bin/bash
# Children in a sandbox (devices.yml env, limits, run_as): a command
# device's program sees none of the scheduler's environment but its `env:`,
# no descriptor of the scheduler's but its pipes, and, when the scheduler
# runs as root, the run_as user, which cannot read a file only the
# scheduler's user may read (as auth.yml); a compiler that allocates
# without bound is stopped by its address-space limit, and the task's error
# and the scheduler's log say so; a CPU-bound one by its CPU limit.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/cmd"
echo "secret" >"$T/auth.yml"
chmod 600 "$T/auth.yml"
# Perl, not sh: a shell opens descriptors of its own (its script, the
# directory it globs, the pipes of its substitutions).
cat >"$T/cmd/show.pl" <<'PL'
#!/usr/bin/perl
local $/;
my $input = <STDIN>;
print STDERR "env: ", join(" ", map { "$_=$ENV{$_}" } sort keys %ENV), "\n";
opendir(my $dir, "/proc/self/fd") or die "no /proc/self/fd";
for my $n (sort { $a <=> $b } grep { /^\d+$/ } readdir($dir)) {
	my $target = readlink("/proc/self/fd/$n") // "";
	print STDERR "fd: $n $target\n" if $n >= 3 && $target !~ m{^/proc/\d+/fd$};
}
print STDERR "uid: $<\n";
print STDERR open(my $f, "<", $ARGV[0]) ? "auth: readable\n" : "auth: unreadable\n";
print "[[0]]\n";
PL
cat >"$T/cmd/hog.sh" <<'SH'
#!/bin/sh
exec perl -e 'my @a; while (1) { push @a, "x" x 10_000_000 }'
SH
cat >"$T/cmd/spin.sh" <<'SH'
#!/bin/sh
cat >/dev/null
while :; do :; done
SH
chmod +x "$T"/cmd/*

ROOT_RUN=
[ "$(id -u)" = 0 ] && ROOT_RUN=1
write_config s1
{
	[ -n "$ROOT_RUN" ] && echo "run_as: nobody"
	cat <<YML
devices:
  - name: cmd-show
    class: REDAC
    driver: command
    command: ["$T/cmd/show.pl", "$T/auth.yml"]
    env: {ACLOUD_CHILD_VAR: hello}
  - name: cmd-spin
    class: REDAC
    driver: command
    command: ["$T/cmd/spin.sh"]
    timeout_s: 30
    limits: {cpu_s: 1}
compilers:
  LUCIDAC:
    command: ["$T/cmd/hog.sh"]
    timeout_s: 30
    limits: {address_space_mb: 512}
YML
} >"$T/s1-devices.yml"
# What the scheduler has that its children must not see.
export ACLOUD_SECRET_IN_SCHEDULER=leak PGPASSWORD=leak
start_sched s1
exec 7<"$T/auth.yml" # an fd a careless child would inherit

check "devices available" wait_sql "SELECT count(*) = 2 FROM devices WHERE available" 10
enqueue_runs cmd-show REDAC 1
enqueue_runs cmd-spin REDAC 1
enqueue_compile LUCIDAC 1 "x' = -y"
check "all tasks end" wait_sql "SELECT count(*) = 3 FROM tasks WHERE state IN ('succeeded', 'failed')" 40

logline() { q "SELECT l.line FROM task_log l JOIN tasks t ON t.id = l.task_id
	WHERE t.device_name = '$1' AND l.line LIKE '$2%' ORDER BY l.seq"; }
eq "show: succeeded" "$(q "SELECT state FROM tasks WHERE device_name = 'cmd-show'")" succeeded
eq "the environment is only what devices.yml names" "$(logline cmd-show 'env:')" \
	"env: ACLOUD_CHILD_VAR=hello"
eq "no descriptor but 0-2" "$(logline cmd-show 'fd:' | tr '\n' ' ')" ""
if [ -n "$ROOT_RUN" ]; then
	eq "runs as the run_as user" "$(logline cmd-show 'uid:')" "uid: $(id -u nobody)"
	eq "cannot read the scheduler's auth.yml" "$(logline cmd-show 'auth:')" "auth: unreadable"
else
	eq "runs as the scheduler's own user (not root: no switch)" "$(logline cmd-show 'uid:')" "uid: $(id -u)"
fi

compile_error=$(q "SELECT error FROM tasks WHERE queue = 'compile:LUCIDAC'")
check "a compile that allocates without bound fails by its limit ($compile_error)" \
	grep -q "^$T/cmd/hog.sh was stopped by its address space limit (512 MB)" <<<"$compile_error"
check "the scheduler's log says so" grep -q "was stopped by its address space limit (512 MB)" "$T/s1.log"
eq "a CPU-bound program is stopped by its CPU limit" \
	"$(q "SELECT error FROM tasks WHERE device_name = 'cmd-spin'")" \
	"$T/cmd/spin.sh was stopped by its CPU limit (1 s)"
check "well before its timeout" test "$(q "SELECT extract(epoch FROM finished_at - started_at)::int
	FROM tasks WHERE device_name = 'cmd-spin'")" -le 10

finish_test
