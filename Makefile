# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FEEDBACK_HOME ?= data
PORT ?= 8501

.PHONY: run test test-fast lint bench browser demo clean

# The pinned set first, then this checkout as an editable package: the `feedback` command works from any folder.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

# Debian's chromium for the end-to-end tests; Playwright drives /usr/bin/chromium (no browser download).
browser:
	@test -x /usr/bin/chromium || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

demo: $(STAMP)
	@test -f $(FEEDBACK_HOME)/feedback.duckdb || FEEDBACK_HOME=$(FEEDBACK_HOME) $(PY) -m feedback demo

run: demo
	FEEDBACK_HOME=$(FEEDBACK_HOME) $(PY) -m streamlit run feedback/web/server.py --server.port $(PORT) --server.headless true

# The conventions: ruff's lint and format check, then the import contracts of pyproject.toml.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

# Lint first (fails fast), then every test: unit, app, CLI, doctests and the browser tests.
test: lint browser
	$(PY) -m pytest --e2e

# Without the browser tests and the slow ones (simulations, anything over 10 s).
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not e2e"

bench: $(STAMP) browser
	$(PY) -m bench

clean:
	rm -rf $(VENV)
