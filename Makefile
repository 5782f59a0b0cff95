# lingoflow: `make run` processes raw/ into processed/, `make test` runs the whole suite.
# Both create .venv on first use and install every pinned version from constraints.txt.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AZURITE := $(VENV)/azurite/node_modules/.bin/azurite-blob
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# processors/ and flows/ install as lingoflow.processors and lingoflow.flows. The editable
# install is setuptools' "strict" mode: a tree of links under build/ that mypy can follow too.
# It lists files, so the install is redone when a module is added or removed.
SOURCES := $(sort $(wildcard processors/*.py processors/*/*.py processors/*/*/*.py processors/*/*.json processors/*/*.txt processors/py.typed flows/*.py flows/py.typed flows/*/*.py))
SOURCE_LIST := $(VENV)/.sources
$(shell mkdir -p $(VENV) && (echo '$(SOURCES)' | cmp -s - $(SOURCE_LIST) || echo '$(SOURCES)' > $(SOURCE_LIST)))

.PHONY: help install run serve stop screenshots test test-fast test-compiled compiled compiled-if-possible lint format typecheck schema lock bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml constraints.txt $(SOURCE_LIST)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]" --config-settings editable_mode=strict
	@touch $(STAMP)

install: $(STAMP) $(AZURITE)  ## create .venv and install lingoflow with pinned dependencies

# Azurite (Azure Storage's emulator, Node.js) for the az:// tests, locked in tests/azurite/.
# Without npm the az:// tests are skipped and say why.
$(AZURITE): tests/azurite/package.json tests/azurite/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(VENV)/azurite && cp tests/azurite/package.json tests/azurite/package-lock.json $(VENV)/azurite/ && \
	  npm ci --prefix $(VENV)/azurite --no-audit --no-fund --loglevel=error && touch $(AZURITE); \
	else echo "npm not found: Azurite is not installed, the az:// tests will be skipped"; fi

run: $(STAMP) compiled-if-possible  ## process raw/ into processed/ through the Prefect flow
	@$(WITH_COMPILED) $(BIN)/lingoflow run --raw-dir raw --processed-dir processed

serve: $(STAMP) compiled-if-possible  ## local Prefect server + pool + deployments + worker (UI on 127.0.0.1:4200)
	@$(WITH_COMPILED) $(BIN)/lingoflow serve --state .prefect-local --port 4200

screenshots: $(STAMP)  ## run the deployments on a scratch server and screenshot the UI (needs chromium)
	$(BIN)/python -m bench.screenshots

stop:  ## stop exactly what `make serve` started (PID files in .prefect-local/)
	@test -x $(BIN)/lingoflow && $(BIN)/lingoflow stop --state .prefect-local || echo "nothing to stop"

test: $(STAMP) $(AZURITE)  ## lint, type-check and run the whole test suite
	$(BIN)/ruff check processors flows tests bench
	$(BIN)/ruff format --check processors flows tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest
	@$(MAKE) --no-print-directory test-compiled

# The optional compiled build (setup.py): the modules every page goes through, compiled with
# mypyc into build/compiled, which PYTHONPATH puts before the editable install. Its tests are
# those of the records and of the steps' behaviour (doctests and tests that patch a module's
# own functions hold for the plain modules only).
COMPILED := build/compiled
COMPILED_TESTS := tests/test_golden.py tests/test_same_records.py tests/test_properties.py \
  tests/test_clean.py tests/test_cleaning_pipeline.py tests/test_page_blocks.py \
  tests/test_langid.py tests/test_text_functions.py tests/test_hostile.py \
  tests/test_html_quality.py

$(COMPILED)/.built: $(STAMP) setup.py $(SOURCES)
	rm -rf $(COMPILED) build/lib.* build/temp.* build/bdist.* build/mypyc  # nothing stale
	LINGOFLOW_COMPILE=1 $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --target $(COMPILED) .
	@touch $@

compiled: $(COMPILED)/.built  ## compile the pipeline's hot modules with mypyc into build/compiled

# `make run`, `make serve` and `make bench` first build the compiled modules where a C compiler
# and Python.h exist (about a minute once, and again after a source changes; COMPILE=0 skips
# it), then use them while they are up to date with the sources (`make -q` says so; the same
# records, more pages per second), else the plain package, saying why.
COMPILE ?= 1
compiled-if-possible: $(STAMP)
	@if test "$(COMPILE)" = 0; then :; \
	elif ! { $(CAN_COMPILE); }; then \
	  echo "no C compiler (cc) or no Python.h: running the plain package"; \
	elif ! $(MAKE) --no-print-directory -q $(COMPILED)/.built 2>/dev/null; then \
	  echo "building the compiled modules in $(COMPILED) (about a minute; COMPILE=0 skips it)"; \
	  $(MAKE) --no-print-directory compiled >/dev/null || echo "the compiled build failed: \
	running the plain package (make compiled shows why)"; fi

WITH_COMPILED = if $(MAKE) --no-print-directory -q $(COMPILED)/.built 2>/dev/null; then \
	echo "using the compiled modules in $(COMPILED)"; export PYTHONPATH=$(COMPILED); \
	elif test -d $(COMPILED); then echo "the compiled modules in $(COMPILED) are older than \
	the sources: running the plain package (make compiled rebuilds them)"; fi;

HAS_PYTHON_H = $(BIN)/python -c "import os, sysconfig; \
  assert os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h'))" 2>/dev/null
CAN_COMPILE = command -v cc >/dev/null 2>&1 && $(HAS_PYTHON_H)

test-compiled: $(STAMP)  ## the record and behaviour tests against the compiled build
	@if $(CAN_COMPILE); then \
	  $(MAKE) --no-print-directory compiled && \
	  LINGOFLOW_EXPECT_COMPILED=1 PYTHONPATH=$(COMPILED) $(BIN)/python -m pytest -p no:cacheprovider \
	    $(COMPILED_TESTS); \
	else echo "no C compiler (cc) or no Python.h: the compiled build is not built or tested"; fi

bench: $(STAMP) compiled-if-possible  ## throughput and extraction quality against trafilatura (see bench/README.md)
	@$(WITH_COMPILED) $(BIN)/python -m bench.pipeline && $(BIN)/python -m bench.html && \
	  $(BIN)/python -m bench.cleaning

test-fast: $(STAMP)  ## the test suite without slow tests
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)  ## ruff lint and format check, import contracts
	$(BIN)/ruff check processors flows tests bench
	$(BIN)/ruff format --check processors flows tests bench
	$(BIN)/lint-imports --no-cache --no-logo

format: $(STAMP)  ## apply ruff formatting and safe fixes
	$(BIN)/ruff check --fix processors flows tests bench
	$(BIN)/ruff format processors flows tests bench

typecheck: $(STAMP)  ## mypy on processors/ and flows/
	$(BIN)/mypy

schema: $(STAMP)  ## regenerate schema/record.schema.json from the record model
	$(BIN)/lingoflow schema --write schema/record.schema.json

lock:  ## re-resolve constraints.txt from pyproject.toml in a scratch venv
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e ".[dev]" "torch==2.13.0" "fastapi==0.150.0" "sqlalchemy==2.0.58"
	.lock-venv/bin/pip freeze --exclude-editable | sed 's/^torch==2.13.0+cpu$$/torch==2.13.0/' > constraints.txt.new
	rm -rf .lock-venv && mv constraints.txt.new constraints.txt

clean:  ## remove the virtualenv and caches (processed/ is kept)
	rm -rf $(VENV) build lingoflow.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
