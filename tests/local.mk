# tests outside the modules (integration, fuzz).
#
# Fuzzing (owner: the fuzz targets of issue 7): with --enable-fuzzing
# (CC=clang) every object is built with -fsanitize=fuzzer-no-link,address,
# undefined and the libFuzzer targets below link -fsanitize=fuzzer.  Each
# target drives one parser; tests/fuzz/corpus/<target>/ is its seed corpus
# (and its regression inputs).  scripts/lib/fuzz.sh builds and runs them.
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/http.dict tests/fuzz/ode.dict

if FUZZING
FUZZ_TARGETS = \
	tests/fuzz/fuzz_http tests/fuzz/fuzz_body tests/fuzz/fuzz_time \
	tests/fuzz/fuzz_auth_yml tests/fuzz/fuzz_devices_yml tests/fuzz/fuzz_acloud_yml \
	tests/fuzz/fuzz_circuit_json tests/fuzz/fuzz_apb tests/fuzz/fuzz_base64 \
	tests/fuzz/fuzz_ode tests/fuzz/fuzz_yaml_json
noinst_PROGRAMS += $(FUZZ_TARGETS)

FUZZ_PP_OPTS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/fuzz -DFUZZ_SRCDIR='"$(abs_top_srcdir)"'
FUZZ_CC_OPTS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBPQ_CFLAGS) $(YAML_CFLAGS)
FUZZ_LD_OPTS = $(AM_LDFLAGS) -fsanitize=fuzzer
FUZZ_COMMON = tests/fuzz/fuzz_common.c tests/fuzz/fuzz_common.h
FUZZ_CIRCUIT = tests/fuzz/fuzz_circuit.c tests/fuzz/fuzz_circuit.h

# One stanza per target: sources and the libraries of the module it drives.
tests_fuzz_fuzz_http_SOURCES = tests/fuzz/fuzz_http.c $(FUZZ_COMMON)
tests_fuzz_fuzz_http_LDADD = $(API_LIBS)
tests_fuzz_fuzz_body_SOURCES = tests/fuzz/fuzz_body.c $(FUZZ_COMMON)
tests_fuzz_fuzz_body_LDADD = $(API_LIBS)
tests_fuzz_fuzz_time_SOURCES = tests/fuzz/fuzz_time.c $(FUZZ_COMMON)
tests_fuzz_fuzz_time_LDADD = $(API_LIBS)
tests_fuzz_fuzz_auth_yml_SOURCES = tests/fuzz/fuzz_auth_yml.c $(FUZZ_COMMON)
tests_fuzz_fuzz_auth_yml_LDADD = $(COMMON_LIBS)
tests_fuzz_fuzz_devices_yml_SOURCES = tests/fuzz/fuzz_devices_yml.c $(FUZZ_COMMON)
tests_fuzz_fuzz_devices_yml_LDADD = $(COMMON_LIBS)
tests_fuzz_fuzz_acloud_yml_SOURCES = tests/fuzz/fuzz_acloud_yml.c $(FUZZ_COMMON)
tests_fuzz_fuzz_acloud_yml_LDADD = $(COMMON_LIBS)
tests_fuzz_fuzz_circuit_json_SOURCES = tests/fuzz/fuzz_circuit_json.c $(FUZZ_COMMON) $(FUZZ_CIRCUIT)
tests_fuzz_fuzz_circuit_json_LDADD = $(CIRCUIT_LIBS)
tests_fuzz_fuzz_apb_SOURCES = tests/fuzz/fuzz_apb.c $(FUZZ_COMMON) $(FUZZ_CIRCUIT)
tests_fuzz_fuzz_apb_LDADD = $(CIRCUIT_LIBS)
tests_fuzz_fuzz_base64_SOURCES = tests/fuzz/fuzz_base64.c $(FUZZ_COMMON)
tests_fuzz_fuzz_base64_LDADD = $(SIM_LIBS)
tests_fuzz_fuzz_ode_SOURCES = tests/fuzz/fuzz_ode.c $(FUZZ_COMMON) $(FUZZ_CIRCUIT)
tests_fuzz_fuzz_ode_LDADD = $(COMPILE_LIBS)
tests_fuzz_fuzz_yaml_json_SOURCES = tests/fuzz/fuzz_yaml_json.c $(FUZZ_COMMON)
tests_fuzz_fuzz_yaml_json_LDADD = $(YAMLJSON_LIBS)

# Same flags for all of them (automake wants them per target).
tests_fuzz_fuzz_http_CPPFLAGS = $(FUZZ_PP_OPTS)
tests_fuzz_fuzz_http_CFLAGS = $(FUZZ_CC_OPTS)
tests_fuzz_fuzz_http_LDFLAGS = $(FUZZ_LD_OPTS)
tests_fuzz_fuzz_body_CPPFLAGS = $(FUZZ_PP_OPTS)
tests_fuzz_fuzz_body_CFLAGS = $(FUZZ_CC_OPTS)
tests_fuzz_fuzz_body_LDFLAGS = $(FUZZ_LD_OPTS)
tests_fuzz_fuzz_time_CPPFLAGS = $(FUZZ_PP_OPTS)
tests_fuzz_fuzz_time_CFLAGS = $(FUZZ_CC_OPTS)
tests_fuzz_fuzz_time_LDFLAGS = $(FUZZ_LD_OPTS)
tests_fuzz_fuzz_auth_yml_CPPFLAGS = $(FUZZ_PP_OPTS)
tests_fuzz_fuzz_auth_yml_CFLAGS = $(FUZZ_CC_OPTS)
tests_fuzz_fuzz_auth_yml_LDFLAGS = $(FUZZ_LD_OPTS)
tests_fuzz_fuzz_devices_yml_CPPFLAGS = $(FUZZ_PP_OPTS)
tests_fuzz_fuzz_devices_yml_CFLAGS = $(FUZZ_CC_OPTS)
tests_fuzz_fuzz_devices_yml_LDFLAGS = $(FUZZ_LD_OPTS)
tests_fuzz_fuzz_acloud_yml_CPPFLAGS = $(FUZZ_PP_OPTS)
tests_fuzz_fuzz_acloud_yml_CFLAGS = $(FUZZ_CC_OPTS)
tests_fuzz_fuzz_acloud_yml_LDFLAGS = $(FUZZ_LD_OPTS)
tests_fuzz_fuzz_circuit_json_CPPFLAGS = $(FUZZ_PP_OPTS)
tests_fuzz_fuzz_circuit_json_CFLAGS = $(FUZZ_CC_OPTS)
tests_fuzz_fuzz_circuit_json_LDFLAGS = $(FUZZ_LD_OPTS)
tests_fuzz_fuzz_apb_CPPFLAGS = $(FUZZ_PP_OPTS)
tests_fuzz_fuzz_apb_CFLAGS = $(FUZZ_CC_OPTS)
tests_fuzz_fuzz_apb_LDFLAGS = $(FUZZ_LD_OPTS)
tests_fuzz_fuzz_base64_CPPFLAGS = $(FUZZ_PP_OPTS)
tests_fuzz_fuzz_base64_CFLAGS = $(FUZZ_CC_OPTS)
tests_fuzz_fuzz_base64_LDFLAGS = $(FUZZ_LD_OPTS)
tests_fuzz_fuzz_ode_CPPFLAGS = $(FUZZ_PP_OPTS)
tests_fuzz_fuzz_ode_CFLAGS = $(FUZZ_CC_OPTS)
tests_fuzz_fuzz_ode_LDFLAGS = $(FUZZ_LD_OPTS)
tests_fuzz_fuzz_yaml_json_CPPFLAGS = $(FUZZ_PP_OPTS) -I$(top_srcdir)
tests_fuzz_fuzz_yaml_json_CFLAGS = $(FUZZ_CC_OPTS)
tests_fuzz_fuzz_yaml_json_LDFLAGS = $(FUZZ_LD_OPTS)
endif

# The allocation-failure shim of tests/integration/failalloc.test.mjs: a
# shared object preloaded into acloud-api (built by make check, or on demand
# by the test).
check_PROGRAMS += tests/faultinject/failalloc.so
tests_faultinject_failalloc_so_SOURCES = tests/faultinject/failalloc.c
tests_faultinject_failalloc_so_CFLAGS = $(AM_CFLAGS) -fPIC
tests_faultinject_failalloc_so_LDFLAGS = -shared
tests_faultinject_failalloc_so_LDADD = $(FCGI_LIBS) -ldl
