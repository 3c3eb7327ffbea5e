# scheduler module: acloud-scheduler and its unit tests.  The sources are
# listed by layer, lowest first (see sched.h); each calls only downward.
bin_PROGRAMS += acloud-scheduler
SCHED_PURE_SOURCES = \
	src/scheduler/text.c src/scheduler/text.h \
	src/scheduler/jsonl.c src/scheduler/jsonl.h \
	src/scheduler/lucidac_proto.c src/scheduler/lucidac_proto.h
SCHED_EXEC_SOURCES = \
	src/scheduler/clock.h \
	src/scheduler/pollset.c src/scheduler/pollset.h \
	src/scheduler/session.c src/scheduler/session.h \
	src/scheduler/exec.c src/scheduler/exec.h
acloud_scheduler_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS) $(JANSSON_CFLAGS)
acloud_scheduler_SOURCES = $(SCHED_PURE_SOURCES) $(SCHED_EXEC_SOURCES) \
	src/scheduler/child.c src/scheduler/child.h \
	src/scheduler/net.c src/scheduler/net.h \
	src/scheduler/driver_child.c src/scheduler/driver_child.h \
	src/scheduler/driver_sim.c \
	src/scheduler/driver_command.c \
	src/scheduler/driver_lucidac.c \
	src/scheduler/drivers.c src/scheduler/drivers.h \
	src/scheduler/sched.h \
	src/scheduler/slot.c \
	src/scheduler/probe.c \
	src/scheduler/registry.c \
	src/scheduler/claim.c src/scheduler/claim_sql.h \
	src/scheduler/store.c \
	src/scheduler/rescue.c \
	src/scheduler/loop.c \
	src/scheduler/main.c
acloud_scheduler_LDADD = libacloud_db.a $(LIBPQ_LIBS) $(SIM_LIBS) $(COMMON_LIBS) $(M_LIBS)

SCHED_TEST_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRITERION_CFLAGS)
SCHED_TEST_LDADD = libacloud_common.a $(CRITERION_LIBS) $(JANSSON_LIBS) $(M_LIBS)
check_PROGRAMS += tests/unit/test_sched_text tests/unit/test_sched_jsonl \
	tests/unit/test_sched_lucidac tests/unit/test_sched_exec
TESTS += tests/unit/test_sched_text tests/unit/test_sched_jsonl tests/unit/test_sched_lucidac \
	tests/unit/test_sched_exec
tests_unit_test_sched_text_SOURCES = tests/unit/test_sched_text.c $(SCHED_PURE_SOURCES)
tests_unit_test_sched_text_CFLAGS = $(SCHED_TEST_CFLAGS)
tests_unit_test_sched_text_LDADD = $(SCHED_TEST_LDADD)
tests_unit_test_sched_jsonl_SOURCES = tests/unit/test_sched_jsonl.c $(SCHED_PURE_SOURCES)
tests_unit_test_sched_jsonl_CFLAGS = $(SCHED_TEST_CFLAGS)
tests_unit_test_sched_jsonl_LDADD = $(SCHED_TEST_LDADD)
tests_unit_test_sched_lucidac_SOURCES = tests/unit/test_sched_lucidac.c $(SCHED_PURE_SOURCES)
tests_unit_test_sched_lucidac_CFLAGS = $(SCHED_TEST_CFLAGS)
tests_unit_test_sched_lucidac_LDADD = $(SCHED_TEST_LDADD)
# exec driven by a fake driver: no process, no socket, no database (the
# session stays down).
tests_unit_test_sched_exec_SOURCES = tests/unit/test_sched_exec.c \
	$(SCHED_PURE_SOURCES) $(SCHED_EXEC_SOURCES)
tests_unit_test_sched_exec_CFLAGS = $(SCHED_TEST_CFLAGS) $(LIBPQ_CFLAGS)
tests_unit_test_sched_exec_LDADD = libacloud_db.a $(LIBPQ_LIBS) $(SCHED_TEST_LDADD)

EXTRA_DIST += tests/integration/scheduler bench/scheduler.sh docs/scheduler.md
