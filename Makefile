# Every target bootstraps .venv on first use, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GAC := $(BIN)/gac
STAMP := $(VENV)/.installed

.PHONY: build check lint test test-rules clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## build: compile and lint the definitions into generated/
build: $(STAMP)
	$(GAC) build

## check: fail when generated/ is not what `make build` writes, or when the types do not check
check: $(STAMP)
	$(GAC) check
	$(BIN)/mypy

## lint: lint the definitions (warnings included)
lint: $(STAMP)
	$(GAC) lint --strict

## test: the test suite (includes `gac test` on the project's alert rules; skipped without promtool)
test: $(STAMP)
	$(BIN)/pytest

## test-rules: the alert rules' unit tests (alerts/tests/) with promtool, and their coverage
test-rules: $(STAMP)
	$(GAC) test --coverage

clean:
	rm -rf $(VENV) .pytest_cache

.PHONY: plan sync demo
# Grafana connection: GRAFANA_URL, GRAFANA_TOKEN (or GRAFANA_USER/GRAFANA_PASSWORD), GRAFANA_ORG_ID.
# the environment: ENV=..., else GAC_ENV (as gac itself reads it), else local
ENV ?= $(or $(GAC_ENV),local)
SYNC_ARGS ?=

## plan: show what `make sync` would change in Grafana (ENV=local; SYNC_ARGS="--prune -v")
plan: $(STAMP)
	$(GAC) plan --env $(ENV) $(SYNC_ARGS)

## sync: push generated/ to Grafana: only changes, never over a UI edit (SYNC_ARGS="--prune" / "--force")
sync: $(STAMP)
	$(GAC) sync --env $(ENV) $(SYNC_ARGS)

## demo: build → plan → sync → no-op plan → UI edit → conflict, against a local emulator
demo: $(STAMP)
	$(BIN)/python -m generator.sync.demo

.PHONY: drift review
DRIFT_ARGS ?=
BASE ?= origin/main

## drift: compare the live Grafana with generated/ (ENV=local; DRIFT_ARGS="--format markdown"); exit 1 on drift
drift: $(STAMP)
	$(GAC) drift --env $(ENV) $(DRIFT_ARGS)

## review: the pull-request comment: generated/ of BASE (default origin/main) vs the working tree, as Markdown
review: $(STAMP)
	$(GAC) diff --base $(BASE)
