# Tillit: `make run` opens the app on the demo project; `make test` checks everything.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck layers pytest bench bench-smoke migration clean

# Qt's shared libraries come from the system; install them only where they are missing.
QT_LIBS := libEGL.so.1 libGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libdbus-1.so.3
QT_DEBS := libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3

$(STAMP): pyproject.toml
	@for lib in $(QT_LIBS); do ldconfig -p | grep -q "$$lib" || missing=1; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing the system libraries Qt needs: $(QT_DEBS)"; \
		apt-get update -qq && apt-get install -y -qq $(QT_DEBS); \
	fi
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
	$(PY) tests/benchmarks/check_output.py

bench: $(STAMP)
	$(PY) tests/benchmarks/run.py --size M

migration: $(STAMP)
	@test -n "$(MSG)" || (echo 'usage: make migration MSG="what changed" REV=0002'; exit 2)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(PY) -c 'import sys; from storage.schema import write_revision; write_revision(sys.argv[1], sys.argv[2])' "$(MSG)" "$(REV)"

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache
