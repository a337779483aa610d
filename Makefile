# Two commands do all set-up on a fresh machine:
#   make run    - install (first time), index corpus/ if needed, start the chat UI
#   make test   - install (first time), install Chromium for the browser tests, run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: install run test test-fast test-flow browser clean

$(STAMP): pyproject.toml scripts/install-llama-cpp.sh scripts/patch_llama_cpp_variants.py scripts/install-wordnet.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	# A CPU build of torch, pinned: an unpinned torch pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install torch==2.13.0
	# The generator runtime, not -march=native (a native build can crash on CPUs that advertise AMX,
	# and on any older CPU): on x86-64 one CPU library per instruction-set level, the best chosen at
	# run time. 15-25 minutes the first time; the wheel is kept in .wheels/ under a key of its
	# flags. See the script for why and how to override.
	scripts/install-llama-cpp.sh $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	# WordNet's database files (app/lexicon.py) into the virtual environment, without root.
	scripts/install-wordnet.sh $(VENV)/share/wordnet
	# Smoke check: the packaged model on a 300+ token prompt, in a subprocess; a crash fails the install.
	$(BIN)/python -m app.runtime check
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the Playwright browser tests (Playwright's own browser download cannot work offline).
browser:
	@test -x /usr/bin/chromium || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

run: $(STAMP)
	$(BIN)/newsdesk serve

test: $(STAMP) browser
	$(BIN)/python -m pytest -ra

# Without the real generator and the browser: seconds, for quick iterations.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -ra -m "not slow and not browser"

# Every branch of the answer flow with fake chat models (real Chroma, embedder, spaCy): ~30 s.
test-flow: $(STAMP)
	$(BIN)/python -m pytest -ra tests/test_answer_flow.py

clean:
	rm -rf index/chroma index/*.sqlite3* .pytest_cache test-artifacts
