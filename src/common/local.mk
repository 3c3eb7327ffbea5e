# common module: config (libyaml), logging, small utilities, JSON helpers.
noinst_LIBRARIES += libacloud_common.a
libacloud_common_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS) $(CRYPTO_CFLAGS)
libacloud_common_a_SOURCES = \
	src/common/log.c src/common/log.h
COMMON_LIBS = libacloud_common.a $(JANSSON_LIBS) $(YAML_LIBS) $(CRYPTO_LIBS) $(UUID_LIBS)
