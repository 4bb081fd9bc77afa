# Two commands a new user needs: `make report` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint bench data clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name crm_models --display-name "crm_models"
	touch $(STAMP)

## Run every report notebook on the bundled sample data; HTML under reports/<date>/
report: $(STAMP)
	$(BIN)/crm-report run

## Install (with the dev extra) and run the test suite
test: $(STAMP)
	$(BIN)/ruff check crm_models tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check crm_models tests benchmarks

## Benchmarks against the peers (on demand; installs the bench extra)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m benchmarks

## Regenerate the bundled sample data (byte-for-byte, see data/README.md)
data: $(STAMP)
	$(BIN)/python -m crm_models.data --write data

clean:
	rm -rf $(VENV) reports/*/ .pytest_cache
