# Tillit: `make run` opens the app on the demo project; `make test` checks everything.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# apt-get needs root; anyone else is asked for it through sudo.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run test lint typecheck layers pytest smoke fuzz qt-libs xvfb qt-floor bench \
	bench-smoke migration clean

# --- setting up -------------------------------------------------------------------------------

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# PySide6's wheel brings Qt; the libraries Qt links to beyond it come from the system. Which
# are missing is what `ldd` reports "not found" for the files a start loads from the wheel: the
# xcb platform plugin (which pulls in QtGui, QtWidgets, QtDBus and QtXcbQpa), its OpenGL
# integrations, the input contexts, image formats and icon engine, and the bindings. Left out:
# libraries of PySide6-Addons (libQt6Pdf, the virtual keyboard), and the GTK theme, Wayland
# and EGLFS plugins, which only a desktop that has their libraries loads.
QT_LOADED := plugins/platforms/libqxcb.so plugins/xcbglintegrations/*.so \
	plugins/platforminputcontexts/*.so plugins/imageformats/*.so plugins/iconengines/*.so \
	plugins/platformthemes/libqxdgdesktopportal.so \
	../QtCore.abi3.so ../QtGui.abi3.so ../QtWidgets.abi3.so
# soname=package (Debian 12) for every system library those files link to directly; another
# soname is mapped by Debian's naming rule (libxcb-foo.so.1 -> libxcb-foo1, libdbus-1.so.3 ->
# libdbus-1-3), and apt brings what a library needs in turn.
QT_DEBS := libEGL.so.1=libegl1 libGL.so.1=libgl1 libX11.so.6=libx11-6 \
	libX11-xcb.so.1=libx11-xcb1 libdbus-1.so.3=libdbus-1-3 libfontconfig.so.1=libfontconfig1 \
	libfreetype.so.6=libfreetype6 libglib-2.0.so.0=libglib2.0-0 \
	libgthread-2.0.so.0=libglib2.0-0 libxcb.so.1=libxcb1 libxcb-cursor.so.0=libxcb-cursor0 \
	libxcb-glx.so.0=libxcb-glx0 libxcb-icccm.so.4=libxcb-icccm4 \
	libxcb-image.so.0=libxcb-image0 libxcb-keysyms.so.1=libxcb-keysyms1 \
	libxcb-randr.so.0=libxcb-randr0 libxcb-render.so.0=libxcb-render0 \
	libxcb-render-util.so.0=libxcb-render-util0 libxcb-shape.so.0=libxcb-shape0 \
	libxcb-shm.so.0=libxcb-shm0 libxcb-sync.so.1=libxcb-sync1 libxcb-util.so.1=libxcb-util1 \
	libxcb-xfixes.so.0=libxcb-xfixes0 libxcb-xkb.so.1=libxcb-xkb1 \
	libxkbcommon.so.0=libxkbcommon0 libxkbcommon-x11.so.0=libxkbcommon-x11-0 \
	libz.so.1=zlib1g libzstd.so.1=libzstd1

# $(call qt_libs,VENV): install the system libraries that the PySide6 in VENV lacks.
define qt_libs
@qt=$$(echo $(1)/lib/python3*/site-packages/PySide6/Qt); \
	test -e "$$qt/plugins/platforms/libqxcb.so" || { echo "No Qt platform plugin in $$qt"; exit 1; }; \
	missing() { (cd "$$qt" && ldd $(QT_LOADED) 2>/dev/null) \
		| awk '$$2 == "=>" && $$3 == "not" && $$1 !~ /^libQt6/ { print $$1 }' | sort -u; }; \
	libs=$$(missing); \
	if [ -n "$$libs" ]; then \
		echo "Qt needs system libraries that are missing:" $$libs; \
		command -v apt-get >/dev/null || { echo "Install the packages that have them."; exit 1; }; \
		pkgs=$$(for so in $$libs; do \
			pkg=$$(printf '%s\n' $(QT_DEBS) | sed -n "s/^$$so=//p"); \
			[ -n "$$pkg" ] || pkg=$$(echo "$$so" | tr A-Z a-z \
				| sed -E 's/\.so\.([0-9]+).*/-\1/; s/([^0-9])-([0-9]+)$$/\1\2/'); \
			echo "$$pkg"; done | sort -u); \
		echo "Installing" $$pkgs; \
		$(SUDO) apt-get update -qq \
			&& $(SUDO) apt-get install -y -qq --no-install-recommends $$pkgs >/dev/null || exit 1; \
		still=$$(missing); \
		[ -z "$$still" ] || { echo "Qt still cannot find:" $$still; exit 1; }; \
	fi
endef

qt-libs: $(STAMP)
	$(call qt_libs,$(VENV))

# Xvfb, the X server without a screen that the start-up check runs the program on.
xvfb:
	@command -v xvfb-run >/dev/null && command -v xauth >/dev/null || { \
		echo "Installing xvfb and xauth for the start-up check"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends xvfb xauth >/dev/null; }

# --- running ----------------------------------------------------------------------------------

run: qt-libs
	$(PY) main.py

# --- checking ---------------------------------------------------------------------------------

test: $(STAMP) lint typecheck layers pytest smoke bench-smoke

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

layers: $(STAMP)
	$(VENV)/bin/lint-imports

pytest: qt-libs xvfb
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

# The fuzzing suite's long run (tests/fuzz/README.md): 1,548 command-line cases and 10,000 reader
# calls from one seed; `make test` runs it at a smaller size. FUZZ_SEED=N draws other inputs.
fuzz: qt-libs
	TILLIT_FUZZ_CASES=1500 TILLIT_FUZZ_INPROCESS=10000 TILLIT_FUZZ_SEED=$(or $(FUZZ_SEED),20260312) \
		QT_QPA_PLATFORM=offscreen $(PY) -m pytest tests/fuzz -m fuzz -p no:randomly --timeout=7200

# The program as `make run` starts it (on X, here Xvfb) in throw-away data, settings and cache
# folders: it makes its demo project, paints its window, and exits 0 (TILLIT_SMOKE_EXIT, a test
# hook in app/gui.py). `make smoke SMOKE_SCREENSHOT=start.png` keeps a picture of the window.
smoke: qt-libs xvfb
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	shot="$(or $(SMOKE_SCREENSHOT),$$tmp/start.png)" && \
	env QT_QPA_PLATFORM=xcb XDG_DATA_HOME="$$tmp/data" XDG_CONFIG_HOME="$$tmp/config" \
		XDG_CACHE_HOME="$$tmp/cache" TILLIT_CACHE="$$tmp/cache/index" \
		TILLIT_SMOKE_EXIT=1 TILLIT_SMOKE_SCREENSHOT="$$shot" \
		timeout 120 xvfb-run -a -s "-screen 0 1600x1000x24" $(PY) main.py >"$$tmp/log" 2>&1 \
		|| { cat "$$tmp/log"; echo "smoke: Tillit did not start and paint its window"; exit 1; }; \
	test -s "$$shot" || { cat "$$tmp/log"; echo "smoke: no screenshot in $$shot"; exit 1; }; \
	echo "smoke: Tillit opened its demo project, painted its window and exited 0"

# The oldest PySide6 that pyproject.toml admits, in its own .venv-floor: the GUI tests (the
# command line loads no Qt) and the start-up check run there. That took 4 minutes here on a
# fresh machine (2 3/4 once .venv-floor exists), so `make test` leaves it out. The tests deselected call
# QAction.menu(), which PySide6 before 6.11.2 breaks (PYSIDE-3380: it returns a wrapper of a
# deleted menu); Tillit itself never calls it (tests/app/test_qt_regressions.py).
FLOOR_VENV := .venv-floor
FLOOR_PY := $(FLOOR_VENV)/bin/python
QT_FLOOR = $(shell sed -n 's/.*"PySide6-Essentials>=\([0-9.]*\).*/\1/p' pyproject.toml)

$(FLOOR_VENV)/.installed: pyproject.toml
	test -x $(FLOOR_PY) || $(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_PY) -m pip install --quiet --upgrade pip
	$(FLOOR_PY) -m pip install --quiet -e '.[dev]' 'PySide6-Essentials==$(QT_FLOOR)'
	touch $@

qt-floor: $(FLOOR_VENV)/.installed xvfb
	$(call qt_libs,$(FLOOR_VENV))
	@$(FLOOR_PY) -c 'import PySide6; print("PySide6", PySide6.__version__)'
	QT_QPA_PLATFORM=offscreen $(FLOOR_PY) -m pytest tests/app \
		--ignore-glob='tests/app/test_cli*.py' \
		--deselect tests/app/test_document_view.py::test_context_menu_has_a_submenu_per_coding_when_they_overlap \
		--deselect tests/app/test_codebook_dialog.py::test_the_code_menu_opens_the_dialog \
		--deselect tests/app/test_main_window.py::test_save_a_copy_for_a_coder_from_the_file_menu

# --- benchmarks and maintenance ---------------------------------------------------------------

bench-smoke: $(STAMP)
	$(PY) tests/benchmarks/check_output.py

bench: $(STAMP)
	$(PY) tests/benchmarks/run.py --size M

migration: $(STAMP)
	@test -n "$(MSG)" || (echo 'usage: make migration MSG="what changed" REV=0002'; exit 2)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(PY) -c 'import sys; from storage.schema import write_revision; write_revision(sys.argv[1], sys.argv[2])' "$(MSG)" "$(REV)"

clean:
	rm -rf $(VENV) $(FLOOR_VENV) *.egg-info .mypy_cache .ruff_cache
