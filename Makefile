# Two commands: `make run` (set up, then serve the bot in local mode on the TinyDB store)
# and `make test` (set up, then run every test). Both build .venv on first use.
# `make chat` talks to the same bot in this terminal.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run chat test bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Reflect needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	REFLECT_LOCAL_MODE=$${REFLECT_LOCAL_MODE:-true} $(PY) app.py

chat: $(STAMP)
	REFLECT_LOCAL_MODE=$${REFLECT_LOCAL_MODE:-true} $(PY) app.py chat

test: $(STAMP)
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/store.py
	$(PY) bench/turns.py
	$(PY) bench/slack_ack.py

clean:
	rm -rf $(VENV) .pytest_cache
