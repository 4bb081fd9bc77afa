# Two commands a new user needs: `make report` and `make test` (`make check`: the quick loop while editing).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: report test check lint bench data docs docs-reports clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the package and its runtime dependencies (enough for the reports)
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

# plus the dev extra (pytest, ruff, hypothesis, lifetimes), the spark extra and the docs extra
# (the test suite builds the documentation site)
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,spark,docs]"
	touch $(DEV_STAMP) $(RUN_STAMP) $(DOCS_STAMP)

# the package plus the docs extra (mkdocs-material, mkdocstrings)
$(DOCS_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP) $(RUN_STAMP)

## Run every report notebook on the bundled sample data; HTML under reports/<date>/
report: $(RUN_STAMP)
	$(BIN)/crm-report run

## Install (with the dev extra) and run the linter and the test suite
test: $(DEV_STAMP)
	$(BIN)/ruff check crm_models tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

## Lint and the fast tests only (no notebooks, Spark or browser: `-m "not slow"`), for iterating
check: $(DEV_STAMP)
	$(BIN)/ruff check crm_models tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(DEV_STAMP)
	$(BIN)/ruff check crm_models tests benchmarks
	$(BIN)/lint-imports

## Benchmarks against the peers (on demand; installs the bench extra)
bench: $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,spark,bench]"
	$(BIN)/python -m benchmarks

## Regenerate the bundled sample data (byte-for-byte, see data/README.md)
data: $(RUN_STAMP)
	$(BIN)/python -m crm_models.data --write data

## Render the sample reports into the site's sources (docs/sample-reports/sample/, not committed)
docs-reports: $(RUN_STAMP)
	$(BIN)/crm-report run --out docs/sample-reports --run-id sample --progress log

## Documentation site under site/: the guides, the sample reports and the API reference from
## the docstrings; any warning (docstring that does not parse, broken link) fails the build
docs: $(DOCS_STAMP) docs-reports
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) reports/*/ .pytest_cache site docs/sample-reports
