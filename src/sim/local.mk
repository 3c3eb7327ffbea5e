# sim module: the integrator, the result writer and the acloud-sim program,
# on the circuit model of src/circuit.  No server dependency: jansson + libm.
noinst_LIBRARIES += libacloud_sim.a
libacloud_sim_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
libacloud_sim_a_SOURCES = \
	src/sim/rhs.c src/sim/rhs.h \
	src/sim/integrate.c src/sim/integrate.h \
	src/sim/result.c src/sim/result.h \
	src/sim/simrun.c src/sim/simrun.h
SIM_LIBS = libacloud_sim.a libacloud_circuit.a libacloud_common.a $(JANSSON_LIBS) $(M_LIBS)

bin_PROGRAMS += acloud-sim
acloud_sim_SOURCES = src/sim/sim_main.c
acloud_sim_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
acloud_sim_LDADD = $(SIM_LIBS)

# unit tests (criterion); test data under tests/data
SIM_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
SIM_TEST_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRITERION_CFLAGS)
EXTRA_DIST += tests/unit/sim_testutil.h tests/data/harmonic_pb.apb \
	tests/data/lucidac.apb tests/data/lorenz_config.json

check_PROGRAMS += tests/unit/test_sim_circuit
tests_unit_test_sim_circuit_SOURCES = tests/unit/test_sim_circuit.c
tests_unit_test_sim_circuit_CPPFLAGS = $(SIM_TEST_CPPFLAGS)
tests_unit_test_sim_circuit_CFLAGS = $(SIM_TEST_CFLAGS)
tests_unit_test_sim_circuit_LDADD = $(SIM_LIBS) $(CRITERION_LIBS)
TESTS += tests/unit/test_sim_circuit

check_PROGRAMS += tests/unit/test_sim_apb
tests_unit_test_sim_apb_SOURCES = tests/unit/test_sim_apb.c
tests_unit_test_sim_apb_CPPFLAGS = $(SIM_TEST_CPPFLAGS)
tests_unit_test_sim_apb_CFLAGS = $(SIM_TEST_CFLAGS)
tests_unit_test_sim_apb_LDADD = $(SIM_LIBS) $(CRITERION_LIBS)
TESTS += tests/unit/test_sim_apb

check_PROGRAMS += tests/unit/test_sim_integrate
tests_unit_test_sim_integrate_SOURCES = tests/unit/test_sim_integrate.c
tests_unit_test_sim_integrate_CPPFLAGS = $(SIM_TEST_CPPFLAGS)
tests_unit_test_sim_integrate_CFLAGS = $(SIM_TEST_CFLAGS)
tests_unit_test_sim_integrate_LDADD = $(SIM_LIBS) $(CRITERION_LIBS)
TESTS += tests/unit/test_sim_integrate

# benchmark helper for bench/sim.sh (built by make check so it stays valid)
check_PROGRAMS += bench/sim-bench
bench_sim_bench_SOURCES = bench/sim_bench.c
bench_sim_bench_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
bench_sim_bench_LDADD = $(SIM_LIBS)
EXTRA_DIST += bench/sim.sh
