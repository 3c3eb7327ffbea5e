#!/bin/sh
# tests/integration/openapi-lint.sh: `make check` entry that lints
# docs/openapi.yaml with @redocly/cli (docs/redocly.yaml sets the rules).
# Skips (exit 77) when the npm packages of docs/package.json are missing
# (install them with: npm ci --prefix docs).
srcdir=${srcdir:-.}
redocly="$srcdir/docs/node_modules/.bin/redocly"
if ! command -v node >/dev/null 2>&1 || [ ! -x "$redocly" ]; then
	echo "SKIP: redocly missing: npm ci --prefix $srcdir/docs"
	exit 77
fi
REDOCLY_TELEMETRY=off
REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export REDOCLY_TELEMETRY REDOCLY_SUPPRESS_UPDATE_NOTICE
cd "$srcdir/docs" && exec "./node_modules/.bin/redocly" lint --config redocly.yaml openapi.yaml
