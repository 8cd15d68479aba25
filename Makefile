# Two commands do everything on a fresh machine: `make site` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test lint typecheck pytest serve clean chromium

# --- environment -----------------------------------------------------------
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Debian's chromium drives the browser tests; Playwright's own download cannot work here.
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# --- outputs ---------------------------------------------------------------
site: $(STAMP)
	$(BIN)/mkdocs build --strict --clean

serve: $(STAMP)
	$(BIN)/mkdocs serve

# --- checks ----------------------------------------------------------------
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) chromium
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf site dist .cache

# --- benchmark (not part of `make test`; see BENCHMARKS.md) ------------------
# BENCH_ARGS="--sizes small,middle --reps 5" to run part of it.
BENCH_VENV := .venv-bench-bibtex
BENCH_ARGS ?=
.PHONY: bench
$(BENCH_VENV)/.installed: benchmarks/requirements-bibtex.lock
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements-bibtex.lock
	touch $@

bench: $(STAMP) $(BENCH_VENV)/.installed
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)
