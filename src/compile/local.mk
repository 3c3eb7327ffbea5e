# compile module: the ODE source language (parser, polynomial expansion,
# mapping onto one cluster) and the acloud-compile program.  Circuit output
# formats live in the sim library.
noinst_LIBRARIES += libacloud_compile.a
libacloud_compile_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
libacloud_compile_a_SOURCES = \
	src/compile/compile.h \
	src/compile/parse.c src/compile/parse.h \
	src/compile/poly.c src/compile/poly.h \
	src/compile/map.c
COMPILE_LIBS = libacloud_compile.a $(CIRCUIT_LIBS)

bin_PROGRAMS += acloud-compile
acloud_compile_SOURCES = src/compile/compile_main.c
acloud_compile_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
acloud_compile_LDADD = $(COMPILE_LIBS)

check_PROGRAMS += tests/unit/test_compile_parse
tests_unit_test_compile_parse_SOURCES = tests/unit/test_compile_parse.c
tests_unit_test_compile_parse_CPPFLAGS = $(SIM_TEST_CPPFLAGS)
tests_unit_test_compile_parse_CFLAGS = $(SIM_TEST_CFLAGS)
tests_unit_test_compile_parse_LDADD = $(COMPILE_LIBS) $(CRITERION_LIBS)
TESTS += tests/unit/test_compile_parse

check_PROGRAMS += tests/unit/test_compile_roundtrip
tests_unit_test_compile_roundtrip_SOURCES = tests/unit/test_compile_roundtrip.c
tests_unit_test_compile_roundtrip_CPPFLAGS = $(SIM_TEST_CPPFLAGS)
tests_unit_test_compile_roundtrip_CFLAGS = $(SIM_TEST_CFLAGS)
# the round trip simulates what it compiled
tests_unit_test_compile_roundtrip_LDADD = libacloud_compile.a $(SIM_LIBS) $(CRITERION_LIBS)
TESTS += tests/unit/test_compile_roundtrip

# the programs end to end (needs acloud-sim and acloud-compile)
TESTS += tests/unit/sim_cli.sh
EXTRA_DIST += tests/unit/sim_cli.sh docs/simulator.md
