# Each target builds its own virtual environment in .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-voice clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,voice,telephony,sip]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/fairdial demo

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/campaign_throughput.py
	$(BIN)/python benchmarks/policy_planning.py

# Pipecat pins packages ours are newer than, so the comparison gets its own environment.
.venv-bench/.installed:
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install --quiet "pipecat-ai[silero,whisper,piper]"
	touch $@

bench-voice: $(STAMP) .venv-bench/.installed
	$(BIN)/python benchmarks/voice_latency.py --turns 50 --pipecat .venv-bench/bin/python

clean:
	rm -rf $(VENV) .venv-bench .fairdial fairdial-demo
