# learnpath — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The slowest tests of each run are listed at its end, so CI time can be kept in budget.
PYTEST_REPORT := --durations=15 --durations-min=5
FLASK  := $(BIN)/flask --app learnpath
# The PostgreSQL run of the suite; skipped with a notice when unreachable (required when CI=true).
LEARNPATH_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export LEARNPATH_TEST_DATABASE_URL

.PHONY: run test install translations lint typecheck test-sqlite test-postgres extract-messages clean e2e-deps test-e2e oidc-deps

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(BIN)/.installed

translations: install
	@$(BIN)/pybabel compile --use-fuzzy -d learnpath/translations

# The web app and the scheduler (mail delivery, reminders) together: Procfile, run by honcho;
# one Ctrl+C stops both. PORT=5001 make run serves on another port.
PORT ?= 5000
run: install translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "learnpath runs on http://127.0.0.1:$(PORT) with its scheduler (one Ctrl+C stops both)."
	@echo "Mail is delivered by the scheduler: as .eml files in $${LEARNPATH_MAIL_DIR:-instance/mail}/ (unless LEARNPATH_MAIL_BACKEND=smtp),"
	@echo "and administrators read their organisation's mail at http://127.0.0.1:$(PORT)/dev/outbox (beheer@rivierstad.example)."
	LEARNPATH_DEV_OUTBOX=1 PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho --procfile Procfile start --port $(PORT)

# import-linter: the layers and feature boundaries of ARCHITECTURE.md ([tool.importlinter] in
# pyproject.toml); a broken contract names the offending import.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

# Browser tests (tests/e2e) need Debian's Chromium; axe-core comes with the Python test extra
# (axe-playwright-python ships axe.min.js). Playwright's own browser downloads are not used.
LEARNPATH_CHROMIUM ?= /usr/bin/chromium
export LEARNPATH_CHROMIUM
e2e-deps:
	@if [ -x "$(LEARNPATH_CHROMIUM)" ]; then \
		:; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "== installing Chromium for the browser tests (apt-get install chromium) =="; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| { [ "$$CI" != "true" ] || exit 1; echo "NOTICE: installing Chromium failed: browser tests (tests/e2e) will be SKIPPED."; }; \
	elif [ "$$CI" = "true" ]; then \
		echo "ERROR: Chromium is required in CI but missing at $(LEARNPATH_CHROMIUM); as root: apt-get install chromium"; exit 1; \
	else \
		echo "NOTICE: Chromium missing at $(LEARNPATH_CHROMIUM): browser tests (tests/e2e) will be SKIPPED."; \
		echo "        Install it as root: apt-get update && apt-get install -y chromium"; \
	fi

# The real OpenID provider the sign-in tests run against (tests/oidc: node-oidc-provider from
# the npm registry, pinned by its package-lock.json). Without Node they are skipped with a
# notice; with CI=true a missing Node is an error.
oidc-deps:
	@if command -v npm >/dev/null; then \
		if [ ! -d tests/oidc/node_modules/oidc-provider ] || [ tests/oidc/package-lock.json -nt tests/oidc/node_modules/.package-lock.json ]; then \
			echo "== installing the test OpenID provider (npm ci in tests/oidc) =="; \
			(cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error) \
			|| { [ "$$CI" != "true" ] || exit 1; echo "NOTICE: npm ci in tests/oidc failed: OpenID sign-in tests will be SKIPPED."; }; \
		fi; \
	elif [ "$$CI" = "true" ]; then \
		echo "ERROR: Node.js (npm) is required in CI for the OpenID provider of the tests (tests/oidc)"; exit 1; \
	else \
		echo "NOTICE: Node.js missing: OpenID sign-in tests against a real provider will be SKIPPED."; \
		echo "        Install it as root: apt-get update && apt-get install -y nodejs npm"; \
	fi

# The browser journeys run here only, in the SQLite run (their server has its own SQLite db).
test-sqlite: install translations e2e-deps oidc-deps
	LEARNPATH_TEST_DATABASE_URL= $(BIN)/pytest -q $(PYTEST_REPORT)

test-e2e: install translations e2e-deps oidc-deps
	$(BIN)/pytest -q tests/e2e

test-postgres: install translations oidc-deps
	@if $(BIN)/python tests/db_available.py "$(LEARNPATH_TEST_DATABASE_URL)"; then \
		echo "== PostgreSQL run ($(LEARNPATH_TEST_DATABASE_URL)) =="; \
		$(BIN)/pytest -q $(PYTEST_REPORT) --ignore=tests/e2e; \
	elif [ "$$CI" = "true" ]; then \
		echo "ERROR: PostgreSQL is required in CI but not reachable at $(LEARNPATH_TEST_DATABASE_URL)"; exit 1; \
	else \
		echo "NOTICE: PostgreSQL not reachable at $(LEARNPATH_TEST_DATABASE_URL): PostgreSQL run SKIPPED"; \
	fi

# The SQLite run (with the browser journeys) and the PostgreSQL run are independent processes
# with their own databases, so they run side by side (one core each); each run's output is
# printed whole when it ends.
test: lint typecheck translations e2e-deps oidc-deps
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o learnpath/translations/messages.pot .
	$(BIN)/pybabel update -i learnpath/translations/messages.pot -d learnpath/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
