# Two commands do everything on a fresh machine: `make site` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := plugins/bibcite/pyproject.toml plugins/calcinosis_site/pyproject.toml

.PHONY: site zensical test check lint typecheck pytest serve clean chromium node_modules screenshots lighthouse

# --- environment -----------------------------------------------------------
$(STAMP): requirements.lock $(PACKAGES)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e plugins/bibcite -e plugins/calcinosis_site
	touch $@

# Debian's chromium drives the browser tests; Playwright's own download cannot work here.
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# npm packages pinned in package-lock.json: the iframe-worker shim copied into the offline
# bundle, axe-core for the accessibility tests. Nothing is loaded from a CDN at view time.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@
node_modules: $(NODE_STAMP)

# --- outputs ---------------------------------------------------------------
# site/ (hosted: directory URLs, instant navigation, sitemap, 404) and
# dist/calcinosis-cutis-offline.zip (offline plugin, opens from file://), both reproducible:
# SOURCE_DATE_EPOCH defaults to the last commit's time.
site: export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
site: $(STAMP) $(NODE_STAMP)
	$(BIN)/mkdocs build --strict --clean
	$(BIN)/mkdocs build --strict --clean -f mkdocs.offline.yml
	$(BIN)/python -m calcinosis_site.offline_zip build/offline dist/calcinosis-cutis-offline.zip

# The same site built with Zensical (build/zensical/), failing on any problem bibcite reports.
zensical: $(STAMP)
	$(BIN)/python -m bibcite.zensical_build -f zensical.yml

# README screenshots of a subtype page, light and dark (.github/screenshots/).
screenshots: $(STAMP) chromium
	PYTHONPATH=tests $(BIN)/python -m browser.screenshots .github/screenshots

serve: $(STAMP)
	$(BIN)/mkdocs serve

# --- checks ----------------------------------------------------------------
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Both cores: a test file stays on one worker (--dist loadfile), so its module fixtures
# (a site built once, a browser page) are built once.
PYTEST_WORKERS ?= 2
pytest: $(STAMP) $(NODE_STAMP) chromium
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint typecheck pytest

# The fast loop: lint, types, and the tests that build no whole site and drive no browser.
check: lint typecheck
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not slow and not browser"

clean:
	rm -rf site dist build .cache .bibcite_cache

# --- benchmark (not part of `make test`; see BENCHMARKS.md) ------------------
# BENCH_ARGS="--sizes small,middle --reps 5" to run part of it.
BENCH_VENV := .venv-bench-bibtex
BENCH_ARGS ?=
.PHONY: bench
$(BENCH_VENV)/.installed: benchmarks/requirements-bibtex.lock
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements-bibtex.lock
	touch $@

# The plugin is installed editable, so pip compiled none of its modules, and this machine sets
# PYTHONDONTWRITEBYTECODE: compile them first, as a regular install would have, or every build
# process (and the plugin's worker) would compile them again (about 30 ms each).
bench: $(STAMP) $(BENCH_VENV)/.installed
	$(BIN)/python -m compileall -q plugins
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

# --- page speed (not part of `make test`; see BENCHMARKS.md) -----------------------------
# Lighthouse (npm, pinned in benchmarks/lighthouse/package-lock.json) with Debian's chromium on
# every page of site/, served gzip-compressed as static hosts serve it.
LIGHTHOUSE_STAMP := benchmarks/lighthouse/node_modules/.installed
$(LIGHTHOUSE_STAMP): benchmarks/lighthouse/package.json benchmarks/lighthouse/package-lock.json
	cd benchmarks/lighthouse && npm ci --no-audit --no-fund
	touch $@
LIGHTHOUSE_ARGS ?=
lighthouse: site $(LIGHTHOUSE_STAMP) chromium
	$(BIN)/python -m benchmarks.lighthouse site $(LIGHTHOUSE_ARGS) --json benchmarks/results/lighthouse.json
