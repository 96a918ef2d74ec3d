# The only entry points; CI runs the same verbs (`.ci/run` is `make check`).
# Every verb bootstraps .venv from the hash-pinned lock when it is missing or stale.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PY     := $(BIN)/python
LINTED := overlays/agentrail generated/agentrail_api $(wildcard mock/agentrail_mock) examples

.DEFAULT_GOAL := help
.PHONY: help install lock demo generate check-generated format lint test contract prism soak mock bench check clean

help: ## list the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements/dev.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
	  { echo "error: agentrail needs Python >= 3.11; '$(PYTHON)' is $$($(PYTHON) -V 2>&1). Run: make PYTHON=python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --editable .
	$(PY) -m pip check
	@touch $@

install: $(STAMP) ## create .venv with every pinned dependency and agentrail in editable mode

lock: $(STAMP) ## re-resolve requirements/dev.lock from pyproject.toml (hashes, any platform)
	$(BIN)/uv pip compile --group pyproject.toml:dev pyproject.toml --universal \
	  --python-version 3.11 --generate-hashes --no-header --output-file requirements/dev.lock

demo: $(STAMP) ## a tour of agentrail against the embedded mock (about ten seconds)
	$(PY) examples/demo.py

generate: $(STAMP) ## regenerate generated/agentrail_api from openapi.yaml
	$(PY) generator/sync.py --update

check-generated: $(STAMP) ## fail with a diff if generated/ differs from what openapi.yaml produces
	$(PY) generator/sync.py --check

format: $(STAMP) ## rewrite hand-written code into shape (ruff format + fixes)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lint: $(STAMP) ## read-only: ruff format --check, ruff check, mypy --strict
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy --strict $(LINTED)

test: $(STAMP) ## run the unit, integration and contract tests
	$(PY) -m pytest $(PYTEST_ARGS)

contract: $(STAMP) ## run only the contract tests (schemathesis: the mock against openapi.yaml)
	$(PY) -m pytest tests/contract $(PYTEST_ARGS)

PRISM_PORT ?= 4011
prism: $(STAMP) ## optional, needs Node: serve openapi.yaml with Prism (npx) and run the examples' calls on it
	$(PY) -m tests.prism --port $(PRISM_PORT)

SEED ?=
soak: $(STAMP) ## fault soak: 3 consumers, sync and async, 100,000 events each (SEED=n replays)
	$(PY) -m tests.soak $(if $(SEED),--seed $(SEED)) $(SOAK_ARGS)

PORT ?= 4010
mock: $(STAMP) ## serve the mock on 127.0.0.1:$(PORT) (default 4010) until Ctrl-C
	$(PY) -m agentrail_mock --port $(PORT)

bench: $(STAMP) ## measure against httpx + httpx-sse: a table, and bench/results.json (~3 min)
	$(PY) -m bench.run $(BENCH_ARGS)

check: check-generated lint test ## everything CI runs

clean: ## remove .venv, caches and build output
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
