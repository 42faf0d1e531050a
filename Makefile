# Tillit: `make run` opens the app on the demo project; `make test` checks everything.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck layers pytest bench bench-smoke migration clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

test: $(STAMP) lint typecheck layers pytest bench-smoke

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

layers: $(STAMP)
	$(VENV)/bin/lint-imports

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench-smoke: $(STAMP)
	$(PY) tests/benchmarks/run.py --size S --repeat 1 > /dev/null

bench: $(STAMP)
	$(PY) tests/benchmarks/run.py --size M

migration: $(STAMP)
	@test -n "$(MSG)" || (echo 'usage: make migration MSG="what changed" REV=0002'; exit 2)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(PY) -c 'import sys; from storage.schema import write_revision; write_revision(sys.argv[1], sys.argv[2])' "$(MSG)" "$(REV)"

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache
