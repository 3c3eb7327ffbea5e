# Installed data: migrations, example configs, entity blobs, web server and
# service templates.  Templates keep their @PLACEHOLDERS@ for the operator,
# except the systemd units, whose paths are known at build time.
sqldir = $(pkgdatadir)/sql
dist_sql_DATA = sql/001_init.sql sql/002_task_api.sql sql/003_search_index.sql \
	sql/004_usage_counters.sql sql/005_creation_cost.sql \
	sql/006_events.sql \
	sql/007_batch.sql sql/009_reservations.sql sql/010_dispatch.sql

examplesdir = $(pkgdatadir)/examples
examples_DATA = etc/acloud.example.yml etc/auth.example.yml etc/devices.example.yml

entitiesdir = $(pkgdatadir)/entities
entities_DATA = etc/entities/lucidac.apb

nginxdir = $(pkgdatadir)/nginx
dist_nginx_DATA = nginx/acloud-site.conf.in nginx/acloud-locations.conf.in \
	nginx/acloud-fastcgi.conf.in nginx/acloud-upstream.conf.in nginx/acloud-headers.conf.in \
	nginx/acloud-limits.conf.in nginx/acloud-errors.conf.in nginx/acloud-events.conf.in \
	nginx/dev-nginx.conf.in

systemddir = $(pkgdatadir)/systemd
systemd_DATA = systemd/acloud-api.service systemd/acloud-scheduler.service \
	systemd/acloud-events.service
dist_systemd_DATA = systemd/acloud-api.socket
EXTRA_DIST += systemd/acloud-api.service.in systemd/acloud-scheduler.service.in \
	systemd/acloud-events.service.in \
	scripts/lib/common.sh scripts/lib/stack.sh scripts/lib/test.sh
CLEANFILES += $(systemd_DATA)

systemd/%.service: $(srcdir)/systemd/%.service.in Makefile
	@mkdir -p systemd
	$(AM_V_GEN)sed -e 's#@BINDIR@#$(bindir)#g' -e 's#@SYSCONFDIR@#$(sysconfdir)#g' $< > $@

dist_doc_DATA = README.md docs/user-guide.md docs/operator-guide.md docs/architecture.md \
	docs/contract-notes.md docs/simulator.md docs/scheduler.md docs/api.md docs/openapi.yaml
