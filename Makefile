# Two commands matter: `make demo` runs the product, `make test` runs the checks.
# Both create .venv on first use and install the project into it.

PYTHON ?= python3
# Parallel test workers (pytest-xdist). Measured on 2 cores: the suite waits on real
# processes, sockets and PostgreSQL more than it computes (docs/decisions.md).
PYTEST_WORKERS ?= 4
# the slowest tests, printed at the end of every run: where the next minute of the suite is
PYTEST_ARGS ?= --durations=20
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench clean-venv

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pos demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	@ram="$$(tests/support/ram_tmpdir.sh)"; status=0; \
	TMPDIR="$${ram:-$${TMPDIR:-/tmp}}" $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) || status=$$?; \
	if [ -n "$$ram" ]; then rm -rf "$$ram"; fi; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/edge_orders.py
	$(BIN)/python bench/sync_drain.py
	$(BIN)/python bench/kitchen_latency.py

clean-venv:
	rm -rf $(VENV)
