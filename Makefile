# Two commands on a fresh clone: `make run` opens crm-tui, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint bench clean

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

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
