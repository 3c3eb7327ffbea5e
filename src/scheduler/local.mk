# scheduler module: acloud-scheduler and its unit tests.
bin_PROGRAMS += acloud-scheduler
SCHED_PURE_SOURCES = \
	src/scheduler/util.c src/scheduler/util.h \
	src/scheduler/jsonl.c src/scheduler/jsonl.h \
	src/scheduler/lucidac_proto.c src/scheduler/lucidac_proto.h
acloud_scheduler_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS) $(JANSSON_CFLAGS)
acloud_scheduler_SOURCES = $(SCHED_PURE_SOURCES) \
	src/scheduler/sched.h \
	src/scheduler/main.c \
	src/scheduler/loop.c \
	src/scheduler/session.c \
	src/scheduler/registry.c \
	src/scheduler/probe.c \
	src/scheduler/claim.c \
	src/scheduler/exec.c \
	src/scheduler/driver_proc.c \
	src/scheduler/driver_lucidac.c \
	src/scheduler/store.c \
	src/scheduler/rescue.c \
	src/scheduler/child.c src/scheduler/child.h \
	src/scheduler/net.c src/scheduler/net.h
acloud_scheduler_LDADD = libacloud_db.a $(LIBPQ_LIBS) $(SIM_LIBS) $(COMMON_LIBS) $(M_LIBS)

SCHED_TEST_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRITERION_CFLAGS)
SCHED_TEST_LDADD = $(CRITERION_LIBS) $(JANSSON_LIBS) $(M_LIBS)
check_PROGRAMS += tests/unit/test_sched_util tests/unit/test_sched_jsonl tests/unit/test_sched_lucidac
TESTS += tests/unit/test_sched_util tests/unit/test_sched_jsonl tests/unit/test_sched_lucidac
tests_unit_test_sched_util_SOURCES = tests/unit/test_sched_util.c $(SCHED_PURE_SOURCES)
tests_unit_test_sched_util_CFLAGS = $(SCHED_TEST_CFLAGS)
tests_unit_test_sched_util_LDADD = $(SCHED_TEST_LDADD)
tests_unit_test_sched_jsonl_SOURCES = tests/unit/test_sched_jsonl.c $(SCHED_PURE_SOURCES)
tests_unit_test_sched_jsonl_CFLAGS = $(SCHED_TEST_CFLAGS)
tests_unit_test_sched_jsonl_LDADD = $(SCHED_TEST_LDADD)
tests_unit_test_sched_lucidac_SOURCES = tests/unit/test_sched_lucidac.c $(SCHED_PURE_SOURCES)
tests_unit_test_sched_lucidac_CFLAGS = $(SCHED_TEST_CFLAGS)
tests_unit_test_sched_lucidac_LDADD = $(SCHED_TEST_LDADD)

EXTRA_DIST += tests/integration/scheduler
