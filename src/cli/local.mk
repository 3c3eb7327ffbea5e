# cli module: acloud, the command-line client (libcurl + jansson), its man
# page and bash completion.  The parts without I/O (argument parsing,
# profiles file, output and CSV, input recognition) are a library so the
# unit tests link them.
noinst_LIBRARIES += libacloud_cli.a
libacloud_cli_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
libacloud_cli_a_SOURCES = \
	src/cli/cli.h \
	src/cli/args.c src/cli/args.h \
	src/cli/config.c src/cli/config.h \
	src/cli/output.c src/cli/output.h \
	src/cli/input.c src/cli/input.h
CLI_LIBS = libacloud_cli.a $(JANSSON_LIBS) $(M_LIBS)

bin_PROGRAMS += acloud
acloud_SOURCES = \
	src/cli/main.c \
	src/cli/http.c src/cli/http.h \
	src/cli/wait.c src/cli/wait.h \
	src/cli/cmd.h src/cli/cmd_common.c \
	src/cli/cmd_info.c src/cli/cmd_create.c src/cli/cmd_tasks.c src/cli/cmd_config.c
acloud_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CURL_CFLAGS) $(UUID_CFLAGS)
acloud_LDADD = $(CLI_LIBS) $(CURL_LIBS) $(UUID_LIBS)

dist_man1_MANS = man/acloud.1
bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = etc/bash-completion/acloud

check_PROGRAMS += tests/unit/test_cli_args tests/unit/test_cli_config tests/unit/test_cli_output
TESTS += tests/unit/test_cli_args tests/unit/test_cli_config tests/unit/test_cli_output
CLI_TEST_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRITERION_CFLAGS)
CLI_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DTEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_cli_args_SOURCES = tests/unit/test_cli_args.c
tests_unit_test_cli_args_CFLAGS = $(CLI_TEST_CFLAGS)
tests_unit_test_cli_args_LDADD = $(CLI_LIBS) $(CRITERION_LIBS)
tests_unit_test_cli_config_SOURCES = tests/unit/test_cli_config.c
tests_unit_test_cli_config_CFLAGS = $(CLI_TEST_CFLAGS)
tests_unit_test_cli_config_LDADD = $(CLI_LIBS) $(CRITERION_LIBS)
tests_unit_test_cli_output_SOURCES = tests/unit/test_cli_output.c
tests_unit_test_cli_output_CPPFLAGS = $(CLI_TEST_CPPFLAGS)
tests_unit_test_cli_output_CFLAGS = $(CLI_TEST_CFLAGS)
tests_unit_test_cli_output_LDADD = $(CLI_LIBS) $(CRITERION_LIBS)
EXTRA_DIST += tests/integration/cli.test.mjs
