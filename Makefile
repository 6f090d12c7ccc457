# The two set-up commands of README.md: `make run` (main job) and `make test` (test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: setup data browser run test lint clean

# torch is installed, pinned, before the package so that no unpinned torch requirement ever
# resolves on its own (that would pull a multi-GB CUDA build).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

# Debian packages of the data: Fashion-MNIST, WordNet (the text task) and the espeak-ng and flite
# synthesisers (the speech task), where apt is usable as root. The embedded default needs none;
# elsewhere pass data.root to any IDX copy, and the tests of a missing one are skipped.
DATA_PACKAGES := dataset-fashion-mnist wordnet-base espeak-ng flite
data:
	@if [ -d /usr/share/datasets/fashion-mnist ] && [ -f /usr/share/wordnet/data.noun ] \
	  && command -v espeak-ng >/dev/null 2>&1 && command -v flite >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq && apt-get install -y -qq $(DATA_PACKAGES) >/dev/null) \
	  || echo "warning: could not install $(DATA_PACKAGES); their tests will be skipped"; \
	else echo "note: apt not usable; Fashion-MNIST needs data.root, text and speech need $(DATA_PACKAGES)"; fi

# Headless Chromium opens `fedprune report`'s HTML in the e2e tests (Debian's chromium, same
# guard as above); without it those tests fail unless FEDPRUNE_ALLOW_NO_CHROMIUM=1.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: could not install chromium; the report browser test will fail"; \
	else echo "note: apt not usable; install chromium or set FEDPRUNE_ALLOW_NO_CHROMIUM=1"; fi

run: setup data
	$(BIN)/fedprune run $(ARGS)

lint: setup
	$(BIN)/ruff check src tests scripts benchmarks examples
	$(BIN)/ruff format --check src tests scripts benchmarks examples
	$(BIN)/mypy

test: setup data browser lint
	$(BIN)/pytest -n auto --dist loadfile

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
