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
