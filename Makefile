# lurewatch: the two quick-start commands are `make demo` and `make test` (README.md).
# Everything a new machine needs is installed from here; nothing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench elasticsearch clean

setup: $(STAMP)

# The virtualenv, with the pinned dependencies (pyproject.toml) at the versions CI tested
# (constraints.txt, regenerate with `$(BIN)/pip freeze --exclude-editable > constraints.txt`).
$(STAMP): pyproject.toml constraints.txt scripts/system-deps.sh web/package-lock.json
	scripts/system-deps.sh
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: setup
	$(BIN)/lurewatch demo

# The whole suite: lint, then every test, Elasticsearch included (the tests start a real node
# with scripts/elasticsearch.sh, fetching it from Maven Central the first time).
test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

elasticsearch:
	scripts/elasticsearch.sh start

bench: setup
	$(BIN)/python bench/index_throughput.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache *.egg-info
