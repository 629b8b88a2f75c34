#!/usr/bin/env bash
# The whole suite: lint, types, import contracts, then every test on SQLite, then the
# unit and functional tests again on a PostgreSQL cluster this script starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint: ruff, mypy --strict, import contracts"
uv run ruff check src tests bench
uv run mypy
uv run lint-imports --no-cache

echo "== tests on SQLite (unit, functional, browser)"
uv run pytest -q -n 2 -p no:cacheprovider tests

echo "== tests on PostgreSQL (unit, functional)"
pgdir=$(mktemp -d /tmp/onevisit-pg.XXXXXX)
trap 'scripts/pg-throwaway.sh stop "$pgdir"' EXIT
url=$(scripts/pg-throwaway.sh start "$pgdir")
ONEVISIT_TEST_DATABASE_URL="$url" uv run pytest -q -n 2 -p no:cacheprovider tests/unit tests/functional
