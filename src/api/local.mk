# api module: the prefork FastCGI server acloud-api.
noinst_LIBRARIES += libacloud_api.a
libacloud_api_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBPQ_CFLAGS)
libacloud_api_a_SOURCES = \
	src/api/allocguard.c src/api/allocguard.h \
	src/api/auth.c src/api/auth.h \
	src/api/body.c src/api/body.h \
	src/api/context.c src/api/context.h \
	src/api/devices.c \
	src/api/fields.c src/api/fields.h \
	src/api/handlers.h \
	src/api/health.c \
	src/api/inputs.c src/api/inputs.h \
	src/api/jsonout.c src/api/jsonout.h \
	src/api/jsonscan.c src/api/jsonscan.h \
	src/api/master.c src/api/master.h \
	src/api/method.c src/api/method.h \
	src/api/metrics.c src/api/metrics.h \
	src/api/request.c src/api/request.h \
	src/api/response.c src/api/response.h \
	src/api/router.c src/api/router.h \
	src/api/prometheus.c \
	src/api/reservations.c \
	src/api/routes.c \
	src/api/search.c \
	src/api/stmt.c src/api/stmt.h \
	src/api/system.c \
	src/api/tasks_create.c \
	src/api/tasks_modify.c \
	src/api/tasks_read.c \
	src/api/tasks_view.c src/api/tasks_view.h \
	src/api/timefmt.c src/api/timefmt.h \
	src/api/users.c \
	src/api/validate.c src/api/validate.h \
	src/api/worker.c src/api/worker.h
API_LIBS = libacloud_api.a libacloud_sim.a libacloud_circuit.a $(DB_LIBS) $(COMMON_LIBS) $(FCGI_LIBS) $(M_LIBS)

bin_PROGRAMS += acloud-api
acloud_api_SOURCES = src/api/main.c
acloud_api_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBPQ_CFLAGS)
acloud_api_LDADD = $(API_LIBS)

API_TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(JANSSON_CFLAGS) $(LIBPQ_CFLAGS)
API_TEST_LIBS = $(API_LIBS) $(CRITERION_LIBS)
check_PROGRAMS += tests/unit/test_router tests/unit/test_validate tests/unit/test_api_validate
TESTS += tests/unit/test_router tests/unit/test_validate tests/unit/test_api_validate
tests_unit_test_router_SOURCES = tests/unit/test_router.c
tests_unit_test_router_CFLAGS = $(API_TEST_CFLAGS)
tests_unit_test_router_LDADD = $(API_TEST_LIBS)
tests_unit_test_validate_SOURCES = tests/unit/test_validate.c
tests_unit_test_validate_CFLAGS = $(API_TEST_CFLAGS)
tests_unit_test_validate_LDADD = $(API_TEST_LIBS)
tests_unit_test_api_validate_SOURCES = tests/unit/test_api_validate.c
tests_unit_test_api_validate_CPPFLAGS = $(AM_CPPFLAGS) -DTEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_api_validate_CFLAGS = $(API_TEST_CFLAGS)
tests_unit_test_api_validate_LDADD = $(API_TEST_LIBS)
