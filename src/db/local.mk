# db module: libpq connection with prepared statements and reconnect.
noinst_LIBRARIES += libacloud_db.a
libacloud_db_a_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS)
libacloud_db_a_SOURCES = src/db/db.c src/db/db.h
DB_LIBS = libacloud_db.a $(LIBPQ_LIBS)
