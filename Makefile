# Two commands on a fresh clone: `make run` opens crm-tui, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run demo test test-postgres bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "crm-tui needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,postgres]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/crm

demo: $(VENV)/.installed
	$(BIN)/crm demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest
	$(BIN)/ruff check crm_tui tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The service, CLI and import tests again, on a throwaway PostgreSQL server.
test-postgres: $(VENV)/.installed
	scripts/with-postgres $(BIN)/python -m pytest -m "not sqlite_only" \
		tests/test_services.py tests/test_cli.py tests/test_cli_process.py tests/test_transfer.py tests/io tests/money

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
