/* acloud's profiles file and key files: reading, `config set` rewriting,
 * precedence of command line, environment and profile. */
#include "autoconfig.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/config.h"

static char dir[64], sub[96], path[128], err[256];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/acloud-cfg-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	setenv("XDG_CONFIG_HOME", dir, 1);
	unsetenv("ACLOUD_URL");
	unsetenv("ACLOUD_KEY");
	unsetenv("ACLOUD_CA_FILE");
	unsetenv("ACLOUD_PROFILE");
	cr_assert_eq(cli_config_path(path, sizeof path), 0);
	snprintf(sub, sizeof sub, "%s/acloud", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
}

static void write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *p)
{
	static char buf[4096];
	FILE *f = fopen(p, "r");
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

TestSuite(cli_config, .init = setup);

Test(cli_config, path_follows_xdg_then_home)
{
	char p[256];

	cr_assert_eq(cli_config_path(p, sizeof p), 0);
	cr_assert(strstr(p, "/acloud/config"));
	cr_assert_eq(strncmp(p, dir, strlen(dir)), 0);
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/someone", 1);
	cr_assert_eq(cli_config_path(p, sizeof p), 0);
	cr_assert_str_eq(p, "/home/someone/.config/acloud/config");
}

Test(cli_config, set_creates_a_private_file_and_keeps_other_lines)
{
	struct cli_profile p;
	struct stat st;

	cr_assert_eq(cli_config_set(path, "default", "url", "https://a", err, sizeof err), 0, "%s",
	             err);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(cli_config_set(path, "prod", "url", "https://prod", err, sizeof err), 0);
	cr_assert_eq(cli_config_set(path, "prod", "insecure", "true", err, sizeof err), 0);
	cr_assert_eq(cli_config_set(path, "default", "url", "https://b", err, sizeof err), 0);
	cr_assert_str_eq(read_file(path),
	                 "[default]\nurl = https://b\n\n[prod]\nurl = https://prod\n"
	                 "insecure = true\n");
	cr_assert_eq(cli_config_load(path, "prod", &p, err, sizeof err), 0);
	cr_assert_str_eq(p.url, "https://prod");
	cr_assert_eq(p.insecure, 1);
	cli_profile_free(&p);
	cr_assert_eq(cli_config_set(path, "prod", "insecure", NULL, err, sizeof err), 0);
	cr_assert_eq(cli_config_load(path, "prod", &p, err, sizeof err), 0);
	cr_assert_eq(p.insecure, -1);
	cli_profile_free(&p);
}

Test(cli_config, bad_settings_and_values_are_refused)
{
	struct cli_profile p;

	cr_assert_eq(cli_config_set(path, "default", "colour", "red", err, sizeof err), -1);
	cr_assert_eq(cli_config_set(path, "default", "url", "a\nkey = x", err, sizeof err), -1);
	cr_assert_eq(cli_config_set(path, "default", "insecure", "maybe", err, sizeof err), -1);
	write_file(path, "[default]\ncolour = red\n");
	cr_assert_eq(cli_config_load(path, "default", &p, err, sizeof err), -1);
	cr_assert(strstr(err, "line 2"), "%s", err);
	write_file(path, "# comment\n[default]\nno equals sign\n");
	cr_assert_eq(cli_config_load(path, "default", &p, err, sizeof err), -1);
}

Test(cli_config, missing_file_is_an_empty_profile)
{
	struct cli_profile p;

	cr_assert_eq(cli_config_load(path, "default", &p, err, sizeof err), 0);
	cr_assert_null(p.url);
	cr_assert_null(p.key);
}

Test(cli_config, key_files)
{
	char kp[128];
	char *key;

	snprintf(kp, sizeof kp, "%s/key", dir);
	write_file(kp, "  ac_demo_alice_0123456789 \nsecond line\n");
	key = cli_read_key_file(kp, err, sizeof err);
	cr_assert_str_eq(key, "ac_demo_alice_0123456789");
	free(key);
	write_file(kp, "two words\n");
	cr_assert_null(cli_read_key_file(kp, err, sizeof err));
	write_file(kp, "\n");
	cr_assert_null(cli_read_key_file(kp, err, sizeof err));
	cr_assert_not(cli_key_valid("a\r\nX-Evil: 1"));
}

static int resolve(struct cli_conn *c, char **argv, int argc)
{
	struct cli_args a;

	cr_assert_eq(cli_parse_args(argc, argv, &a, err, sizeof err), 0, "%s", err);
	return cli_resolve_conn(&a, c, err, sizeof err);
}

Test(cli_config, precedence_command_line_environment_profile)
{
	char kp[128];
	struct cli_conn c;
	char *plain[] = { "acloud", "me" };
	char *prod[] = { "acloud", "-p", "prod", "me" };

	snprintf(kp, sizeof kp, "%s/prodkey", dir);
	write_file(kp, "ac_from_file\n");
	char *with_file[] = { "acloud", "--url", "https://cli/", "--key-file", kp, "me" };

	/* nothing anywhere: the default URL, no key */
	cr_assert_eq(resolve(&c, plain, 2), 0, "%s", err);
	cr_assert_str_eq(c.url, CLI_DEFAULT_URL);
	cr_assert_null(c.key);
	cli_conn_free(&c);

	cr_assert_eq(cli_config_set(path, "default", "url", "https://profile", err, sizeof err), 0);
	cr_assert_eq(cli_config_set(path, "default", "key", "ac_from_profile", err, sizeof err), 0);
	cr_assert_eq(cli_config_set(path, "prod", "key_file", kp, err, sizeof err), 0);
	cr_assert_eq(resolve(&c, plain, 2), 0);
	cr_assert_str_eq(c.url, "https://profile");
	cr_assert_str_eq(c.key, "ac_from_profile");
	cli_conn_free(&c);

	setenv("ACLOUD_URL", "https://env", 1);
	setenv("ACLOUD_KEY", "ac_from_env", 1);
	cr_assert_eq(resolve(&c, plain, 2), 0);
	cr_assert_str_eq(c.url, "https://env");
	cr_assert_str_eq(c.key, "ac_from_env");
	cli_conn_free(&c);

	cr_assert_eq(resolve(&c, with_file, 6), 0);
	cr_assert_str_eq(c.url, "https://cli"); /* trailing slash dropped */
	cr_assert_str_eq(c.key, "ac_from_file");
	cli_conn_free(&c);

	unsetenv("ACLOUD_KEY");
	cr_assert_eq(resolve(&c, prod, 4), 0);
	cr_assert_str_eq(c.key, "ac_from_file");
	cli_conn_free(&c);
}

Test(cli_config, a_broken_key_is_a_key_error)
{
	struct cli_conn c;
	char *plain[] = { "acloud", "me" };

	setenv("ACLOUD_KEY", "has space", 1);
	cr_assert_eq(resolve(&c, plain, 2), CLI_AUTH);
	unsetenv("ACLOUD_KEY");
}
