# Two commands on a fresh clone: `make run` opens crm-tui, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pytest-xdist workers: each builds its own template databases (tests/conftest.py).
# WORKERS=0 runs the suite in one process. --dist worksteal: a worker that runs out of tests
# takes half of what the other still has queued, so neither sits idle while the other has a
# minute of work left (plain `load` fixes a quarter of the suite to each worker up front).
WORKERS ?= 2
# On PostgreSQL a worker waits on the server for part of each test: PG_WORKERS=3 keeps both cores
# busier (1.84 cores against about 1.6, 255-268 s against 282 s here) but loads the machine more
# than the app tests' timing likes; 2 stays the default.
PG_WORKERS ?= 2
# The suite writes bytecode even where PYTHONDONTWRITEBYTECODE is set: each worker otherwise
# rewrites the asserts of every test module again (about 7 s of a worker's CPU per run), and
# every `crm` process a test starts compiles the modules it imports.
KEEP_BYTECODE := env PYTHONDONTWRITEBYTECODE=

.PHONY: run demo test check test-postgres bench clean

# What running needs, and only that (about 100 MB of venv rather than 220). pip shows what it
# fetches as it goes; pyproject's package-dir makes the editable install a plain .pth entry.
# The venv's own pip is used as it comes (any pip since 21.3 installs an editable pyproject):
# upgrading it first cost every fresh clone 4-8 s.
PIP_INSTALL = $(BIN)/python -m pip install --progress-bar on --disable-pip-version-check

$(VENV)/.installed-run: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "crm-tui needs Python 3.11+"'
	@echo "crm-tui: setting up $(VENV) with what the app needs (a minute or so, the first time)"
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e .
	@touch $@

# Everything the tests, linters and PostgreSQL runs need besides (`make .venv/.installed` for work on crm).
# On a fresh clone one pip run installs the app and the test tools together (two runs, the app's
# alone first, cost 30 s against 24: pip resolves and builds crm-tui twice); it then counts as
# `make run`'s install too.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "crm-tui needs Python 3.11+"'
	@echo "crm-tui: setting up $(VENV) with the app and the test tools (pytest, ruff, mypy, psycopg)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e '.[test,postgres]'
	@touch $(VENV)/.installed-run $@

run: $(VENV)/.installed-run
	$(BIN)/crm

demo: $(VENV)/.installed-run
	$(BIN)/crm demo

# The static checks (scripts/checks: ruff, mypy, lint-imports; about 17 s of one core on a fresh
# clone) run beside the suite at the lowest priority: they take the CPU the two workers leave
# idle (xdist's start, processes the tests wait for, the last tests) rather than 17 s after them.
# Their report is held back and printed after the suite's; either failing fails `make test`.
test: $(VENV)/.installed
	@out=$$(mktemp); \
	echo "nice -n 19 scripts/checks $(BIN) (beside the suite; its report follows the suite's)"; \
	nice -n 19 scripts/checks $(BIN) > $$out 2>&1 & checks=$$!; \
	echo "$(KEEP_BYTECODE) $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal"; \
	$(KEEP_BYTECODE) $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal; suite=$$?; \
	wait $$checks; static=$$?; \
	echo "scripts/checks $(BIN):"; cat $$out; rm -f $$out; \
	test $$suite -eq 0 && test $$static -eq 0

# The static checks alone.
check: $(VENV)/.installed
	scripts/checks $(BIN)

# The whole suite again on a throwaway PostgreSQL server (scripts/with-postgres exports
# CRM_TEST_POSTGRES); the tests marked sqlite_only are skipped, each with its reason.
test-postgres: $(VENV)/.installed
	$(KEEP_BYTECODE) scripts/with-postgres $(BIN)/python -m pytest -n $(PG_WORKERS) --dist worksteal -rfEs

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
