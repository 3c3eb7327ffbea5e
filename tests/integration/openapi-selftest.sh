#!/bin/sh
# tests/integration/openapi-selftest.sh: `make check` entry for the OpenAPI
# self-test (openapi.test.mjs, node:test) on the openapi.json this build made.
# Skips (exit 77) when node or the npm packages of tests/package.json are
# missing (install them with: npm ci --prefix tests).
srcdir=${srcdir:-.}
if ! command -v node >/dev/null 2>&1; then
	echo "SKIP: node is not installed"
	exit 77
fi
if [ ! -d "$srcdir/tests/node_modules/ajv" ]; then
	echo "SKIP: npm packages missing: npm ci --prefix $srcdir/tests"
	exit 77
fi
OPENAPI_JSON=${OPENAPI_JSON:-$PWD/docs/openapi.json}
export OPENAPI_JSON
exec node --test "$srcdir/tests/integration/openapi.test.mjs"
