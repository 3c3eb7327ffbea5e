# docs module: the API description and its docs UIs.
#
#   docs/openapi.yaml   the source of truth; the build converts it to
#                       docs/openapi.json with acloud-yaml2json (tools/; no node needed)
#   docs/www/*.html     our Swagger UI and ReDoc pages
#   nginx/docs.locations.conf.in
#                       the nginx locations serving them (@WWW_DIR@,
#                       @NODE_MODULES@); the build also writes
#                       nginx/docs.locations.conf for the installed layout
#
# Installed: $(pkgdatadir)/www/{openapi.json,docs.html,redoc.html} and
# $(pkgdatadir)/nginx/docs.locations.conf.  The npm packages (swagger-ui-dist,
# redoc) come from docs/package.json; `make install` (install-docs-ui) copies
# their runtime files from $(srcdir)/docs/node_modules into
# $(pkgdatadir)/docs/node_modules (after `npm ci --prefix docs`).

# The OpenAPI document as JSON, served by nginx at /openapi.json.
wwwdir = $(pkgdatadir)/www
www_DATA = docs/openapi.json
dist_www_DATA = docs/www/docs.html docs/www/docs-init.js docs/www/redoc.html
CLEANFILES += docs/openapi.json

docs/openapi.json: $(top_srcdir)/docs/openapi.yaml acloud-yaml2json$(EXEEXT)
	@$(MKDIR_P) docs
	$(AM_V_GEN)./acloud-yaml2json$(EXEEXT) -o $@ $(top_srcdir)/docs/openapi.yaml

# nginx locations for the installed layout.
DOCS_NODE_MODULES = $(pkgdatadir)/docs/node_modules
docsnginxdir = $(pkgdatadir)/nginx
docsnginx_DATA = nginx/docs.locations.conf
CLEANFILES += nginx/docs.locations.conf

nginx/docs.locations.conf: $(top_srcdir)/nginx/docs.locations.conf.in Makefile
	@$(MKDIR_P) nginx
	$(AM_V_GEN)sed -e 's|@WWW_DIR@|$(wwwdir)|g' -e 's|@NODE_MODULES@|$(DOCS_NODE_MODULES)|g' \
		$(top_srcdir)/nginx/docs.locations.conf.in > $@.tmp && mv $@.tmp $@

# Copies the docs UIs' runtime files from the npm install in the source tree
# (part of `make install`; warns and skips when `npm ci --prefix docs` has not
# been run).
install-data-local: install-docs-ui
uninstall-local: uninstall-docs-ui
install-docs-ui:
	@if test ! -d $(srcdir)/docs/node_modules/swagger-ui-dist || \
	    test ! -d $(srcdir)/docs/node_modules/redoc/bundles; then \
		echo "warning: docs UIs not installed: run 'npm ci --prefix $(srcdir)/docs' first" >&2; \
	else \
		echo "installing swagger-ui-dist and redoc into $(DESTDIR)$(DOCS_NODE_MODULES)"; \
		$(MKDIR_P) $(DESTDIR)$(DOCS_NODE_MODULES)/swagger-ui-dist \
			$(DESTDIR)$(DOCS_NODE_MODULES)/redoc/bundles && \
		cp -R $(srcdir)/docs/node_modules/swagger-ui-dist/. \
			$(DESTDIR)$(DOCS_NODE_MODULES)/swagger-ui-dist/ && \
		cp -R $(srcdir)/docs/node_modules/redoc/bundles/. \
			$(DESTDIR)$(DOCS_NODE_MODULES)/redoc/bundles/; \
	fi
uninstall-docs-ui:
	rm -rf $(DESTDIR)$(DOCS_NODE_MODULES)/swagger-ui-dist $(DESTDIR)$(DOCS_NODE_MODULES)/redoc
.PHONY: install-docs-ui uninstall-docs-ui

# Unit tests of the converter.

EXTRA_DIST += docs/openapi.yaml docs/api.md docs/package.json docs/package-lock.json \
	docs/redocly.yaml docs/.redocly.lint-ignore.yaml nginx/docs.locations.conf.in

# The OpenAPI self-test and lint (skipped without the npm packages).
TESTS += tests/integration/openapi-selftest.sh tests/integration/openapi-lint.sh
EXTRA_DIST += tests/integration/openapi-selftest.sh tests/integration/openapi-lint.sh \
	tests/integration/openapi.test.mjs tests/integration/lib/openapi.mjs \
	tests/integration/docs-ui.test.mjs tests/integration/client.test.mjs \
	tests/integration/client/flow.ts \
	tests/package.json tests/package-lock.json
