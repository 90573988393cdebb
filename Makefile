# Two entry points, as the README says: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck unit integration e2e system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/i3plat demo

system-deps:
	bash scripts/install-system-deps.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check i3plat tests bench scripts
	$(BIN)/ruff format --check i3plat tests bench scripts

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# The whole suite; pytest's exit code is kept, so "no tests collected" (5) fails too.
test: system-deps $(VENV)/.installed-test lint typecheck
	$(BIN)/python -m pytest tests

unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests/unit

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
