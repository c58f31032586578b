# Two commands: `make run` (set up, then serve the bot in local mode on the TinyDB store)
# and `make test` (set up, then run every test). Both build .venv on first use.
# `make chat` talks to the same bot in this terminal.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run chat test bench teams-app renderer-deps card-screenshots clean

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
	$(PY) bench/digest.py
	$(PY) bench/memory.py
	$(PY) bench/first_load.py
	$(PY) bench/turn_store.py
	$(PY) bench/exports.py

# The Teams app package to upload (dist/reflect-teams-app.zip); needs MICROSOFT_APP_ID, see the README.
teams-app: $(STAMP)
	$(PY) -m teams_app.package dist/reflect-teams-app.zip

# The real Adaptive Cards renderer for tests/test_card_rendering.py (also needs Debian's chromium).
RENDERER := tests/renderer
$(RENDERER)/node_modules/.package-lock.json: $(RENDERER)/package.json $(RENDERER)/package-lock.json
	cd $(RENDERER) && npm ci --no-audit --no-fund

renderer-deps: $(RENDERER)/node_modules/.package-lock.json

# A PNG of every card the bot can send, at 360 and 700 px, in build/card-screenshots/ for a person to look at.
card-screenshots: $(STAMP) renderer-deps
	$(PY) -m tests.renderer.screenshots build/card-screenshots

clean:
	rm -rf $(VENV) .pytest_cache
