# The web console (/console/): static files, installed under
# $(pkgdatadir)/console in the layout acloud-locations.conf.in expects
# (@CONSOLE_DIR@/www and @CONSOLE_DIR@/node_modules/uplot/dist).
consoledir = $(pkgdatadir)/console
consolewwwdir = $(consoledir)/www
dist_consolewww_DATA = console/www/index.html console/www/app.js console/www/api.js \
	console/www/console.css
EXTRA_DIST += console/package.json console/package-lock.json

# uPlot comes from the npm install of console/package.json (part of `make
# install`; warns and skips when `npm ci --prefix console` has not been run,
# as the docs UIs do).
CONSOLE_UPLOT = $(consoledir)/node_modules/uplot/dist
install-data-local: install-console-uplot
uninstall-local: uninstall-console-uplot
install-console-uplot:
	@if test ! -f $(srcdir)/console/node_modules/uplot/dist/uPlot.esm.js; then \
		echo "warning: console plots not installed: run 'npm ci --prefix $(srcdir)/console' first" >&2; \
	else \
		echo "installing uplot into $(DESTDIR)$(CONSOLE_UPLOT)"; \
		$(MKDIR_P) $(DESTDIR)$(CONSOLE_UPLOT) && \
		cp -R $(srcdir)/console/node_modules/uplot/dist/. $(DESTDIR)$(CONSOLE_UPLOT)/; \
	fi
uninstall-console-uplot:
	rm -rf $(DESTDIR)$(consoledir)/node_modules
.PHONY: install-console-uplot uninstall-console-uplot
