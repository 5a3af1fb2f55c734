# Each target creates .venv and installs what it needs (bubblewrap included) on first use.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PYTHON  ?= $(shell command -v python3.11 || command -v python3)
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup demo test test-data bench eval lint clean

$(STAMP): pyproject.toml
	@{ command -v bwrap && command -v prlimit && /sbin/ldconfig -p | grep -q libseccomp.so.2; } >/dev/null 2>&1 || { \
		echo "installing bubblewrap, libseccomp and prlimit (sandbox)"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq bubblewrap libseccomp2 util-linux git >/dev/null; }
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/sleuth demo

# Providers' published payloads (@octokit/webhooks-examples) as test data, from the npm registry, never committed.
test-data: setup
	$(PY) -m tests.provider_data

test: setup test-data
	$(PY) -m pytest

# Sandbox overhead per command; test runs to culprit vs git bisect; index benchmarks (ingest rate, retrieval p95 at 100k, sync RSS). BENCH_ARGS="--real-repo PATH --reuse" etc.
bench: setup
	$(PY) bench/sandbox_bench.py
	$(PY) bench/bisect_bench.py
	$(PY) bench/index_bench.py $(BENCH_ARGS)
	$(PY) -m tests.provider_data
	$(PY) bench/forge_bench.py

# The scenario suite (Python, Node and Java services whose incidents come from running them), with the
# four baselines in the same run. The record and table land in eval-runs/. EVAL_ARGS="--workers 4" etc.
eval: setup
	@command -v node >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 || { echo "installing node and a JDK (scenario services)"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs default-jdk-headless >/dev/null; }
	$(VENV)/bin/sleuth eval scenarios --out .sleuth-scenarios
	$(VENV)/bin/sleuth eval run .sleuth-scenarios/cases.jsonl --out eval-runs $(EVAL_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) .sleuth-demo .bench .sleuth-scenarios eval-runs
