# OneVisit — run `make help` for the list of targets.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
UV := uv

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this list
	@grep -hE '^[a-z][a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36mmake %-12s\033[0m %s\n", $$1, $$2}'

.PHONY: setup
setup: ## Install uv (if missing) and the locked Python dependencies into .venv
	@scripts/ensure-uv.sh
	@$(UV) sync --frozen --inexact --quiet

.PHONY: setup-all
setup-all: ## setup, plus the optional extras (SUMO for City Brain: libsumo, ~340 MB)
	@scripts/ensure-uv.sh
	@$(UV) sync --frozen --extra traffic --quiet

.PHONY: demo
demo: setup runtime-deps ## Migrate var/onevisit.db, seed the demo province if empty, print logins, serve http://127.0.0.1:8000 with the worker
	@$(UV) run onevisit db upgrade
	@$(UV) run onevisit demo seed --if-empty
	@$(UV) run onevisit demo logins
	@echo "Serving http://127.0.0.1:8000, the payment-channel simulator on :8100 and the periodic-job worker  (Ctrl-C stops all three)"
	@$(UV) run onevisit payments simulator --port 8100 & sim=$$!; \
	$(UV) run onevisit worker & wrk=$$!; \
	trap "kill $$sim $$wrk 2>/dev/null; wait $$wrk 2>/dev/null" EXIT INT TERM; \
	ONEVISIT_LEDGER_HEAD_INTERVAL_SECONDS=0 $(UV) run onevisit serve --host 127.0.0.1 --port 8000

.PHONY: test
test: setup-all system-deps ## Lint, type-check, import contracts, whole suite on SQLite and on a throwaway PostgreSQL
	@scripts/test.sh

.PHONY: system-deps
system-deps: ## Install Debian packages the tests need (postgresql, chromium, pango, fonts-wqy-zenhei) when absent
	@scripts/ensure-system-deps.sh test

.PHONY: runtime-deps
runtime-deps: ## Install Debian packages the server needs (pango for PDFs, fonts-wqy-zenhei) when absent
	@scripts/ensure-system-deps.sh runtime

.PHONY: bench-deps
bench-deps: ## Install wrk (the HTTP load generator of the web benchmark) when absent
	@scripts/ensure-bench-deps.sh

.PHONY: lint
lint: setup ## ruff, mypy --strict and the import-linter layer contracts
	@$(UV) run ruff check src tests bench
	@$(UV) run mypy
	@$(UV) run lint-imports --no-cache

.PHONY: format
format: setup ## Format and auto-fix the code
	@$(UV) run ruff format src tests bench
	@$(UV) run ruff check --fix src tests bench

.PHONY: bench
bench: setup-all bench-deps ## Run the benchmarks; figures are printed and written to bench/results/*.json
	@$(UV) run onevisit bench all

.PHONY: i18n
i18n: setup ## Extract translatable strings and update the zh/en catalogues
	@$(UV) run pybabel extract -F babel.cfg -o /tmp/onevisit-messages.pot --no-location --sort-output src/onevisit
	@$(UV) run pybabel update -i /tmp/onevisit-messages.pot -d src/onevisit/locale --no-fuzzy-matching --ignore-obsolete

.PHONY: clean
clean: ## Remove the demo database and caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
