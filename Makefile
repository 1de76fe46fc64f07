# Two entry points for a fresh machine: `make demo` runs the product, `make test` runs the tests.
# Each creates or refreshes its own virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
BIN := $(VENV)/bin
DATA ?= .b1hub-demo

.PHONY: demo test lint bench-sandbox clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/b1hub demo --data-dir $(DATA)

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadfile

bench-sandbox: $(STAMP)
	$(BIN)/python benchmarks/sandbox_service_layer.py

clean:
	rm -rf $(VENV) $(DATA)
