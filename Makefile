# `make demo` and `make test` work on a fresh clone with only Python 3.11+ and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# libreoffice-writer-nogui: the tests lay the DOCX out with LibreOffice headless and measure it.
# chromium: the browser tests open the audit page through Playwright (its own download is not used).
# postgresql: tests/test_prefect_office.py runs a throw-away cluster (initdb, pg_ctl) for the
# Prefect server; util-linux's setpriv runs it as the postgres user when the tests run as root.
DEB_PACKAGES := fonts-noto-cjk fonts-arphic-ukai poppler-utils openssh-client git libreoffice-writer-nogui chromium postgresql util-linux

.PHONY: demo test lint format bench deb install wheel clean messages mutation server worker deploy

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
	$(BIN)/pybabel -q extract -F babel.cfg -k Nn_:1,2 --no-location --sort-output --project reportflow -o $(LOCALE)/reportflow.pot .
	$(BIN)/pybabel -q update -D reportflow -i $(LOCALE)/reportflow.pot -d $(LOCALE) --no-fuzzy-matching --width 100
	$(BIN)/pybabel -q compile -D reportflow -d $(LOCALE) --statistics

# Mutation testing of the decision modules (bench/MUTATION.md): MUTANTS='reportflow.signoff.gate*'
# limits the run to one module; the score per module is printed at the end.
MUTANTS ?=
mutation: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 $(MUTANTS) > mutants.log 2>&1 || (tail -n 30 mutants.log; exit 1)
	$(BIN)/python scripts/mutation_score.py

wheel: $(STAMP)  # dist/reportflow-<version>-py3-none-any.whl, what an office installs
	$(BIN)/python -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache

# A local Prefect server and process worker with the project's own PREFECT_HOME (.prefect/),
# the worker ours (reportflow.flows.worker: Prefect's process worker, runs forked warm),
# on 127.0.0.1:$(PREFECT_PORT); API and UI URLs set for that port before the server starts (or
# the UI is blank on a port other than 4200). PREFECT_API_DATABASE_CONNECTION_URL from the
# environment selects PostgreSQL (README, "Running for an office"); else SQLite in .prefect/.
PREFECT_PORT ?= 4300
PREFECT_POOL ?= reportflow
PREFECT_ENV = PREFECT_HOME="$(CURDIR)/.prefect" PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api \
  PREFECT_UI_URL=http://127.0.0.1:$(PREFECT_PORT) PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
server: $(STAMP)
	$(PREFECT_ENV) $(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT) --analytics-off

worker: $(STAMP)
	$(PREFECT_ENV) $(BIN)/prefect work-pool inspect $(PREFECT_POOL) >/dev/null 2>&1 || \
	  $(PREFECT_ENV) $(BIN)/prefect work-pool create $(PREFECT_POOL) --type process
	$(PREFECT_ENV) PREFECT_WORKER_QUERY_SECONDS=$${PREFECT_WORKER_QUERY_SECONDS:-0.5} \
	  $(BIN)/python -m reportflow.flows.worker --pool $(PREFECT_POOL)

deploy: $(STAMP)  # REPORTFLOW_REPO=<git URL of the content repository> make deploy
	@test -n "$$REPORTFLOW_REPO" || { echo "set REPORTFLOW_REPO to the content repository's git URL" >&2; exit 2; }
	$(PREFECT_ENV) $(BIN)/prefect --no-prompt deploy --all
