# Installed data: migrations, example configs, entity blobs, web server and
# service templates, documentation.
sqldir = $(pkgdatadir)/sql
dist_sql_DATA = sql/001_init.sql
