# Two entry points for a fresh machine: `make demo` runs the product, `make test` runs the tests.
# Each creates or refreshes its own virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
BIN := $(VENV)/bin
DATA ?= .b1hub-demo

.PHONY: demo test lint bench-sandbox bench clean

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
	$(BIN)/pytest -n 2 --dist loadfile -m "not full"

# The full reliability run (20,000-record load, 25 kills per phase, a minute of outage);
# writes tests/reliability/REPORT.md. The fast subset runs in `make test`.
reliability: $(STAMP)
	B1HUB_RELIABILITY=full $(BIN)/pytest tests/reliability -p no:xdist -p no:cacheprovider --timeout 7200

bench-sandbox: $(STAMP)
	$(BIN)/python benchmarks/sandbox_service_layer.py

# SIZES=small,medium,large (default all three); writes benchmarks/RESULTS.md and .json
SIZES ?= small,medium,large
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --sizes $(SIZES)

clean:
	rm -rf $(VENV) $(DATA)
