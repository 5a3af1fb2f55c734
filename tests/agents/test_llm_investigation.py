"""LLM mode end to end with scripted models over generated incidents in real git repositories: every
node's model path and every exit (step limit, malformed output, endpoint down, budget spent, a
hallucinated citation), and a model-written fix validated in the sandbox."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, BaseMessage

from sleuth.agents.context import InvestigationContext
from sleuth.api import investigation_input, stream_investigation
from sleuth.config import Settings
from sleuth.evals.scenarios import fault_outside_the_frames, revert_breaks_a_test
from sleuth.models import Report
from tests.fakes.scripted_chat import USAGE, ScriptedChat, text, tool_call


class Engineer:
    """A scripted model that answers each node the way a careful engineer would, in miniature.

    `culprit_title` picks the suspect its theory names; `agent_steps` are the reading agent's tool
    calls, in order, before it answers; `fixes` are the draft-fix answers, in order.
    """

    def __init__(self, culprit_title: str, agent_steps: list[tuple[str, dict]], fixes: list[dict] | None = None):
        self.culprit_title = culprit_title
        self.agent_steps = list(agent_steps)
        self.fixes = list(fixes or [])
        self.asked: list[str] = []

    def __call__(self, messages: list[BaseMessage], tools: list[str]) -> AIMessage:
        prompt = str(messages[1].content) if len(messages) > 1 else ""
        if "read_file" in tools:
            self.asked.append("agent")
            if self.agent_steps:
                name, args = self.agent_steps.pop(0)
                return tool_call(name, call_id=f"call_{len(self.asked)}", **args)
            return text("retry_delay() in app/settings.py returns 0 since the culprit; the worker divides by it.")
        (schema,) = tools
        self.asked.append(schema)
        if schema == "InvestigationPlan":
            return tool_call(schema, questions=["Where is retry_delay defined and who changed it?"], read_first=["app"])
        if schema == "_Judgements":
            return tool_call(schema, judgements=[])
        if schema == "Theories":
            return tool_call(schema, hypotheses=self.theories(prompt))
        if schema == "WrittenFix":
            return tool_call(schema, **self.fixes.pop(0))
        raise AssertionError(f"unexpected schema {schema}")

    def theories(self, prompt: str) -> list[dict[str, Any]]:
        suspects = dict(re.findall(r"^- ([0-9a-f]{10}) '([^']*)'", prompt, re.M))
        culprit = next(sha for sha, title in suspects.items() if self.culprit_title in title)
        other = next(sha for sha in suspects if sha != culprit)
        ids = re.findall(r"^\[(E\d+)\]", prompt, re.M)
        cited = [i for i in ids if re.search(rf"^\[{i}\].*(settings\.py|{culprit})", prompt, re.M)][:2] or ids[:1]
        return [
            {
                "culprit": culprit,
                "file": "app/settings.py",
                "line": 7,
                "error_class": "logic_bug",
                "confidence": 0.8,
                "explanation": "retry_delay() now returns 0 and the worker divides by it.",
                "citations": cited,
            },
            {
                "culprit": other,
                "error_class": "logic_bug",
                "confidence": 0.3,
                "explanation": "It changed the worker's return value.",
                "citations": ["E999"],
            },
            {
                "culprit": other,
                "error_class": "logic_bug",
                "confidence": 0.1,
                "explanation": "It touched the failing file.",
                "citations": ids[:1],
                "discounted_because": "it only changes how the job id is read, not the rate",
            },
        ]


def _run(scenario: Any, model: ScriptedChat, **llm: Any) -> Report:
    settings = Settings(llm={"model": "scripted", **llm})
    context = InvestigationContext(settings=settings, use_index=False, llm=model)
    inputs = investigation_input(scenario.incident, scenario.repo, settings=settings)
    return stream_investigation(inputs, context)


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("llm-scenarios")


def test_the_model_plans_reads_with_tools_and_writes_cited_hypotheses(scenarios: Path) -> None:
    scenario = fault_outside_the_frames(scenarios)
    engineer = Engineer(
        "retry delay",
        [("find_definition", {"name": "retry_delay"}), ("read_file", {"path": "app/settings.py", "end_line": 12})],
    )
    model = ScriptedChat(script=[engineer], repeat_last=True)
    report = _run(scenario, model)

    assert engineer.asked[:2] == ["InvestigationPlan", "_Judgements"]
    assert engineer.asked.count("agent") == 3 and "Theories" in engineer.asked
    assert report.questions == ["Where is retry_delay defined and who changed it?"]
    assert report.findings and "retry_delay()" in report.findings[0]
    # The tools' results became evidence with ids (the definition found by parsing), shown to hypothesize.
    theories_prompt = next(c for c in model.calls if c["tools"] == ["Theories"])["messages"][1].content
    assert re.search(
        r"^\[E\d+\] code app/settings.py:\d+: retry_delay is defined at app/settings.py:", theories_prompt, re.M
    )
    assert re.search(
        r"^\[E\d+\] code app/settings.py:1: app/settings.py:1-12 \(read by the agent\)", theories_prompt, re.M
    )
    top = report.hypotheses[0]
    assert top.culprit_sha == scenario.culprit_sha and top.file == "app/settings.py"
    assert "The model: retry_delay() now returns 0" in top.explanation
    culprit = next(c for c in report.candidates if c.change.sha == scenario.culprit_sha)
    assert culprit.features["llm_hypothesis"] == 0.8
    assert any(n.endswith("it cites E999, which was never gathered") for n in report.notes), report.notes
    kept = [h for h in report.hypotheses if h.discounted_reason]
    assert kept and kept[0].discounted_reason == "it only changes how the job id is read, not the rate"
    assert all(e.id for h in report.hypotheses for e in h.evidence if e.kind in ("code", "diff", "blame"))
    # The deterministic fix still validates first; usage counts every call the model saw.
    assert report.fix is not None and report.fix.validated and report.fix.strategy != "model_edit"
    assert report.llm_usage["calls"] == len(model.calls) == len(engineer.asked)
    assert report.llm_usage["tokens"] == USAGE["total_tokens"] * len(model.calls)
    assert "reading agent: 3 step(s), stopped: answered" in report.notes


def test_the_agent_stops_at_its_step_limit_and_refuses_tools_it_does_not_have(scenarios: Path) -> None:
    scenario = fault_outside_the_frames(scenarios)
    steps = [("list_dir", {"path": "app"})] * 10 + [("write_file", {"path": "app/x.py", "text": "x"})]
    engineer = Engineer("retry delay", [("write_file", {"path": "app/settings.py", "text": "pwned"}), *steps])
    report = _run(scenario, ScriptedChat(script=[engineer], repeat_last=True), max_agent_steps=3)
    assert "reading agent: 3 step(s), stopped: step limit (3)" in report.notes
    assert "reading agent: refused tool(s) outside its read-only set: write_file" in report.notes
    assert report.hypotheses[0].culprit_sha == scenario.culprit_sha


def test_an_endpoint_that_is_down_leaves_the_offline_investigation(scenarios: Path) -> None:
    scenario = fault_outside_the_frames(scenarios)
    offline = stream_investigation(
        investigation_input(scenario.incident, scenario.repo, settings=Settings()),
        InvestigationContext(settings=Settings(), use_index=False),
    )
    down = ScriptedChat(script=[httpx.ConnectError("connection refused")], repeat_last=True)
    report = _run(scenario, down)
    assert [c.change.sha for c in report.candidates] == [c.change.sha for c in offline.candidates]
    assert report.hypotheses[0].culprit_sha == offline.hypotheses[0].culprit_sha
    assert report.fix is not None and report.fix.validated
    assert any("the model call failed (ConnectError)" in n for n in report.notes)


def test_malformed_answers_are_retried_once_then_the_deterministic_answer_stands(scenarios: Path) -> None:
    scenario = fault_outside_the_frames(scenarios)
    model = ScriptedChat(script=[text("I cannot answer in JSON")], repeat_last=True)
    report = _run(scenario, model, max_agent_steps=1)
    assert report.hypotheses[0].culprit_sha == scenario.culprit_sha
    assert (
        "hypothesize: the model's answer did not fit the schema twice; the deterministic answer stands" in report.notes
    )
    assert "plan: the model's answer did not fit the schema twice; the deterministic answer stands" in report.notes


def test_a_spent_budget_stops_calling_the_model(scenarios: Path) -> None:
    scenario = fault_outside_the_frames(scenarios)
    engineer = Engineer("retry delay", [("list_dir", {})] * 5)
    model = ScriptedChat(script=[engineer], repeat_last=True)
    report = _run(scenario, model, max_calls=3)
    assert len(model.calls) == 3 and report.llm_usage["calls"] == 3
    assert any("the model budget (3 calls per investigation) is spent" in n for n in report.notes)
    assert report.hypotheses[0].culprit_sha == scenario.culprit_sha


def test_a_model_written_fix_validates_where_no_revert_can(scenarios: Path) -> None:
    """The culprit pinned its new default with a test: reverting breaks that test. A written fix that
    keeps the default but makes retry_delay() fall back to 2 s validates; the first, wrong, one is
    told why it failed."""
    scenario = revert_breaks_a_test(scenarios)
    wrong = {"edits": [{"path": "app/settings.py", "old": "no such text", "new": "x"}], "why": "guess"}
    right = {
        "edits": [
            {
                "path": "app/settings.py",
                "old": '    return float(settings.get("retry_delay", 2.0))',
                "new": '    return float(settings.get("retry_delay", 2.0)) or 2.0',
            }
        ],
        "why": "a zero delay falls back to the old two seconds",
    }
    engineer = Engineer("retry delay to zero", [], fixes=[wrong, right])
    model = ScriptedChat(script=[engineer], repeat_last=True)
    report = _run(scenario, model)
    fix = report.fix
    assert fix is not None and fix.validated and fix.strategy == "model_edit", fix and fix.tried
    assert (
        "or 2.0" in fix.diff
        and fix.after
        and "tests/test_settings.py::test_fast_retries_by_default" in fix.after.passed
    )
    assert [t.split(":")[0] for t in fix.tried][-2:] == ["written fix 1", "written fix 2"]
    second_fix_prompt = [c for c in model.calls if c["tools"] == ["WrittenFix"]][1]["messages"][1].content
    assert "The previous attempt did not validate: does not apply to the current code" in second_fix_prompt
