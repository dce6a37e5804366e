# Plantwright: `make run` starts everything on the embedded default (SQLite), `make test` runs the suite
# on SQLite and on PostgreSQL. Both install what they need into .venv and are safe to repeat.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# 0.0.0.0 to be reached from phones on the plant network (with ALLOWED_HOSTS set to the address used).
HOST ?= 127.0.0.1
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/plantwright
# pytest-xdist workers: each has its own test database (pytest-django adds a _gwN suffix).
TEST_WORKERS ?= 2

.PHONY: run test install install-test install-ldap lock screenshots bench-smoke migrate lint format chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The requirements files are locks with hashes (`make lock` writes them from the .in files): pip
# refuses a file whose hash differs, and a dependency the lock forgot.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.txt
	touch $@

# The TypeScript toolchain the generated-types test compiles with (npm, pinned by package-lock.json).
TS_TOOLS := clients/typescript/node_modules/.installed
$(TS_TOOLS): clients/typescript/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix clients/typescript --no-audit --no-fund --silent && touch $@; \
	else echo "npm is missing: the TypeScript client test will skip (apt-get install npm)"; fi

# The OpenID provider the sign-in tests run (npm oidc-provider, pinned by its package-lock.json).
OIDC_TOOLS := plantwright/testing/oidc/node_modules/.installed
$(OIDC_TOOLS): plantwright/testing/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix plantwright/testing/oidc --no-audit --no-fund --silent && touch $@; \
	else echo "npm is missing: the OpenID Connect sign-in test will skip (apt-get install npm)"; fi

# LDAP sign-in (optional in production): python-ldap compiles against libldap and libsasl2; the tests
# sign in against a real slapd (ldap-utils loads its throwaway directory).
$(VENV)/.installed-ldap: requirements-ldap.txt $(VENV)/.installed
	@test -f /usr/include/ldap.h -a -x /usr/sbin/slapd || { \
	  if [ "$$(id -u)" = "0" ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(LDAP_DEBS) >/dev/null 2>&1 \
	    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(LDAP_DEBS) >/dev/null; }; \
	  else echo "for LDAP sign-in: sudo apt-get install -y $(LDAP_DEBS)"; fi; }
	@if [ -f /usr/include/ldap.h ]; then $(BIN)/pip install --quiet --require-hashes -r requirements-ldap.txt && touch $@; \
	else echo "libldap2-dev is missing: LDAP sign-in is not installed (its tests will skip)"; fi
LDAP_DEBS := libldap2-dev libsasl2-dev slapd ldap-utils

install: $(VENV)/.installed

install-ldap: $(VENV)/.installed-ldap

install-test: $(VENV)/.installed-test $(TS_TOOLS) $(OIDC_TOOLS) $(VENV)/.installed-ldap

migrate: install
	$(BIN)/python -m plantwright migrate --noinput
	$(BIN)/python -m plantwright collectstatic --noinput --verbosity 0

run: migrate
	$(BIN)/python -m plantwright load_demo --if-empty
	@echo "Plantwright: http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/v1/docs)"
	@# The web processes share their /metrics through this directory, emptied at each start.
	@rm -rf var/metrics && mkdir -p var/metrics
	@# Ctrl-C stops honcho (130: that is how it is stopped, not an error); honcho runs as the terminal's
	@# foreground job so that make does not get the Ctrl-C too and call it an "Interrupt".
	@PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) PORT=$(PORT) PROMETHEUS_MULTIPROC_DIR="$(CURDIR)/var/metrics" \
	  $(BIN)/python -m plantwright.foreground $(BIN)/honcho start -f Procfile || [ $$? -eq 130 ]

# Debian's chromium drives the browser tests (Playwright never downloads a browser here); Debian's
# nginx is the reverse proxy the portal is tested behind.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install -y chromium (browser tests will skip)"; fi; }
	@test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = "0" ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null 2>&1 \
	    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }; \
	  else echo "nginx is missing: sudo apt-get install -y nginx-light (the reverse-proxy test will skip)"; fi; }

# ruff, then the layers of docs/architecture.md: imports (import-linter) and template links.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m plantwright.testing.architecture

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install-test chromium lint
	@echo "== SQLite =="
	$(BIN)/pytest -n $(TEST_WORKERS)
	@echo "== PostgreSQL ($(TEST_DATABASE_URL)) =="
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -n $(TEST_WORKERS)
	@echo "== Benchmark smoke run =="
	@$(MAKE) --no-print-directory bench-smoke

# The hot paths at small scale, each against its floor in the same run (bench/smoke.py, ~50 s): fails
# when a ratio falls below its stated margin. Its own databases: $(SMOKE_DATABASE_URL)_procurement, _downtime, _reliability.
SMOKE_DATABASE_URL ?= $(TEST_DATABASE_URL)_smoke
bench-smoke: install-test
	SMOKE_DATABASE_URL=$(SMOKE_DATABASE_URL) $(BIN)/python bench/smoke.py

# Re-lock after changing a .in file: pins stay where they are unless a .in asks otherwise
# (`make lock UPGRADE=--upgrade` takes the newest releases). pip-tools lives in its own venv.
PIP_COMPILE := $(VENV)-tools/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(UPGRADE)
lock:
	@test -x $(VENV)-tools/bin/pip-compile || { $(PYTHON) -m venv $(VENV)-tools && $(VENV)-tools/bin/pip install --quiet pip-tools==7.7.0; }
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-test.txt requirements-test.in
	$(PIP_COMPILE) -o requirements-ldap.txt requirements-ldap.in

# The README's pictures, from the demo plant in a throwaway installation (docs/screenshots/).
screenshots: install-test chromium
	$(BIN)/python -m plantwright.testing.screenshots

clean:
	rm -rf $(VENV) var
