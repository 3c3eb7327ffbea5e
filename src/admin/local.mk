# admin module: acloud-admin (migrations, config check, key hashing).
bin_PROGRAMS += acloud-admin
acloud_admin_SOURCES = src/admin/main.c src/admin/migrate.c src/admin/migrate.h \
	src/admin/auth_audit.c src/admin/auth_audit.h
acloud_admin_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS)
acloud_admin_LDADD = $(COMMON_LIBS) $(LIBPQ_LIBS)
