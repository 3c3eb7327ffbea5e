# tools: build-time programs that are not part of the server.  acloud-yaml2json
# turns docs/openapi.yaml into docs/openapi.json (the document nginx serves and
# the tests validate against) with libyaml and jansson, so building the docs
# needs no node.  Its YAML -> jansson converter lives here, not in src/common:
# no server program reads YAML as JSON.
noinst_LIBRARIES += libacloud_yamljson.a
libacloud_yamljson_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
libacloud_yamljson_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS)
libacloud_yamljson_a_SOURCES = tools/yaml_json.c tools/yaml_json.h
YAMLJSON_LIBS = libacloud_yamljson.a $(JANSSON_LIBS) $(YAML_LIBS)

noinst_PROGRAMS += acloud-yaml2json
acloud_yaml2json_SOURCES = tools/yaml2json.c
acloud_yaml2json_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
acloud_yaml2json_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
acloud_yaml2json_LDADD = $(YAMLJSON_LIBS)

check_PROGRAMS += tests/unit/test_yaml_json
TESTS += tests/unit/test_yaml_json
tests_unit_test_yaml_json_SOURCES = tests/unit/test_yaml_json.c
tests_unit_test_yaml_json_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir) -DACLOUD_TOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_yaml_json_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_yaml_json_LDADD = $(YAMLJSON_LIBS) $(CRITERION_LIBS)
