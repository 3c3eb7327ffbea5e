# events module: acloud-events, the Server-Sent Events process.
noinst_LIBRARIES += libacloud_events.a
libacloud_events_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBPQ_CFLAGS)
libacloud_events_a_SOURCES = \
	src/events/http.c src/events/http.h \
	src/events/sse.c src/events/sse.h \
	src/events/store.c src/events/store.h \
	src/events/sub.c src/events/sub.h \
	src/events/hub.c src/events/hub.h
EVENTS_LIBS = libacloud_events.a $(DB_LIBS) $(COMMON_LIBS)

bin_PROGRAMS += acloud-events
acloud_events_SOURCES = src/events/main.c
acloud_events_LDADD = $(EVENTS_LIBS)

check_PROGRAMS += tests/unit/test_events
TESTS += tests/unit/test_events
tests_unit_test_events_SOURCES = tests/unit/test_events.c
tests_unit_test_events_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(JANSSON_CFLAGS) $(LIBPQ_CFLAGS)
tests_unit_test_events_LDADD = $(EVENTS_LIBS) $(CRITERION_LIBS)
