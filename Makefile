# `make demo` and `make test` work on a fresh clone with only Python 3.11+ and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# libreoffice-writer-nogui: the tests lay the DOCX out with LibreOffice headless and measure it.
DEB_PACKAGES := fonts-noto-cjk fonts-arphic-ukai poppler-utils openssh-client git libreoffice-writer-nogui chromium

.PHONY: demo test lint format bench deb install wheel clean messages

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q reportflow flows
	touch $@

deb:
	@scripts/ensure-deb.sh $(DEB_PACKAGES)
	@scripts/ensure-fandol.sh
	@# The official font names (仿宋_GB2312 ...) mapped to the free fonts, for LibreOffice previews.
	@if [ "$$(id -u)" -eq 0 ] && ! cmp -s schemas/render/fonts.conf /etc/fonts/conf.d/65-reportflow-gongwen.conf; then \
	  install -m 644 schemas/render/fonts.conf /etc/fonts/conf.d/65-reportflow-gongwen.conf && fc-cache -f >/dev/null; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(STAMP) deb lint
	$(BIN)/python -m pytest -q

demo: $(STAMP) deb
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/demo.sh

bench: $(STAMP) deb
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/bench.sh

# The message catalogue: extract every _() into the .pot, merge it into the .po (translate the
# new empty msgstr there), compile the .mo that is committed and shipped.
LOCALE := reportflow/locale
messages: $(STAMP)
	$(BIN)/pybabel -q extract -k Nn_:1,2 --no-location --sort-output --project reportflow -o $(LOCALE)/reportflow.pot reportflow
	$(BIN)/pybabel -q update -D reportflow -i $(LOCALE)/reportflow.pot -d $(LOCALE) --no-fuzzy-matching --width 100
	$(BIN)/pybabel -q compile -D reportflow -d $(LOCALE) --statistics

wheel: $(STAMP)  # dist/reportflow-<version>-py3-none-any.whl, what an office installs
	$(BIN)/python -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
