import os
from pathlib import Path

import pytest

from sleuth.graphs.investigation import build_graph

EXPECTED_EDGES = {
    ("__start__", "plan"),
    ("plan", "locate_code"),
    ("locate_code", "search_changes"),
    ("search_changes", "clone_and_read"),
    ("clone_and_read", "hypothesize"),
    ("hypothesize", "clone_and_read"),
    ("hypothesize", "confirm_culprit"),
    ("confirm_culprit", "draft_fix"),
    ("hypothesize", "draft_fix"),
    ("hypothesize", "report"),
    ("draft_fix", "report"),
    ("report", "__end__"),
}


def test_graph_shape() -> None:
    graph = build_graph().get_graph()
    assert {(edge.source, edge.target) for edge in graph.edges} == EXPECTED_EDGES
    assert "hypothesize -.-> clone_and_read" in graph.draw_mermaid()


SNAPSHOTS = Path(__file__).parent / "data" / "graphs"


@pytest.mark.parametrize("name", ["investigation", "chat"])
def test_graph_drawing_matches_its_snapshot(name: str) -> None:
    """The mermaid drawing of each graph is stored; a wiring change shows up as a reviewed diff.

    After an intended change: `SLEUTH_UPDATE_SNAPSHOTS=1 pytest tests/test_graph_shape.py`.
    """
    from sleuth.graphs.chat import build_chat_graph

    graph = (build_graph if name == "investigation" else build_chat_graph)().get_graph()
    drawing = graph.draw_mermaid()
    snapshot = SNAPSHOTS / f"{name}.mmd"
    if os.environ.get("SLEUTH_UPDATE_SNAPSHOTS"):
        snapshot.write_text(drawing)
    assert drawing == snapshot.read_text(), f"the {name} graph changed: review it, then update its snapshot"


def test_chat_turns_route_by_command_once_the_investigation_is_done() -> None:
    from sleuth.agents.chat_nodes import route_turn

    assert route_turn({"command": "explain"}) == "investigate"  # no report yet
    done = {"report": object()}
    assert route_turn({**done, "command": "approve --override"}) == "approve"
    assert route_turn({**done, "command": "show 2"}) == "answer"
    assert route_turn({**done, "command": "why is it broken?"}) == "answer"
