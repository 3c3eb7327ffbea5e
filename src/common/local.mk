# common module: config (libyaml), logging, the growable buffer, base64,
# small utilities, JSON helpers.
noinst_LIBRARIES += libacloud_common.a
libacloud_common_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS) $(CRYPTO_CFLAGS)
libacloud_common_a_SOURCES = \
	src/common/buf.c src/common/buf.h \
	src/common/base64.c src/common/base64.h \
	src/common/hex.c src/common/hex.h \
	src/common/http_words.c src/common/http_words.h \
	src/common/log.c src/common/log.h \
	src/common/config.h \
	src/common/config_yaml.c src/common/config_yaml.h \
	src/common/config_util.c \
	src/common/config_app.c \
	src/common/config_auth.c \
	src/common/config_devices.c \
	src/common/config_sandbox.c src/common/config_sandbox.h
COMMON_LIBS = libacloud_common.a $(JANSSON_LIBS) $(YAML_LIBS) $(CRYPTO_LIBS) $(UUID_LIBS)

# Config loader tests read the example files of etc/ from the source tree.
check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CPPFLAGS = $(AM_CPPFLAGS) -DTEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_config_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(YAML_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_config_LDADD = $(COMMON_LIBS) $(CRITERION_LIBS)
EXTRA_DIST += etc/acloud.example.yml etc/auth.example.yml etc/devices.example.yml etc/entities/lucidac.apb
