# Two commands a new user needs: `make report` and `make test` (`make check`: the quick loop while editing).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: report test check lint bench data clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the package and its runtime dependencies (enough for the reports)
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

# plus the dev extra (pytest, ruff, hypothesis, lifetimes) and the spark extra
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $(DEV_STAMP) $(RUN_STAMP)

## Run every report notebook on the bundled sample data; HTML under reports/<date>/
report: $(RUN_STAMP)
	$(BIN)/crm-report run

## Install (with the dev extra) and run the linter and the test suite
test: $(DEV_STAMP)
	$(BIN)/ruff check crm_models tests benchmarks
	$(BIN)/python -m pytest -q

## Lint and the fast tests only (no notebooks, Spark or browser: `-m "not slow"`), for iterating
check: $(DEV_STAMP)
	$(BIN)/ruff check crm_models tests benchmarks
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(DEV_STAMP)
	$(BIN)/ruff check crm_models tests benchmarks

## Benchmarks against the peers (on demand; installs the bench extra)
bench: $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,spark,bench]"
	$(BIN)/python -m benchmarks

## Regenerate the bundled sample data (byte-for-byte, see data/README.md)
data: $(RUN_STAMP)
	$(BIN)/python -m crm_models.data --write data

clean:
	rm -rf $(VENV) reports/*/ .pytest_cache
