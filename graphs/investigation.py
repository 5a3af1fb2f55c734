"""The investigation graph: wiring only. Nodes live in `sleuth.agents.nodes`."""

from langgraph.graph import END, START, StateGraph

from sleuth.agents.context import InvestigationContext
from sleuth.agents.nodes import (
    clone_and_read_node,
    confirm_culprit_node,
    draft_fix_node,
    hypothesize_node,
    locate_code_node,
    plan_node,
    report_node,
    route_after_hypothesize,
    search_changes_node,
)
from sleuth.agents.state import InvestigationInput, InvestigationOutput, InvestigationState


def build_graph(checkpointer=None, *, interrupt_before=None):
    """Build and compile the investigation graph (stopping before the named nodes, if any)."""
    graph = StateGraph(
        InvestigationState,
        context_schema=InvestigationContext,
        input_schema=InvestigationInput,
        output_schema=InvestigationOutput,
    )
    graph.add_node("plan", plan_node)
    graph.add_node("locate_code", locate_code_node)
    graph.add_node("search_changes", search_changes_node)
    graph.add_node("clone_and_read", clone_and_read_node)
    graph.add_node("hypothesize", hypothesize_node)
    graph.add_node("confirm_culprit", confirm_culprit_node)
    graph.add_node("draft_fix", draft_fix_node)
    graph.add_node("report", report_node)

    graph.add_edge(START, "plan")
    graph.add_edge("plan", "locate_code")
    graph.add_edge("locate_code", "search_changes")
    graph.add_edge("search_changes", "clone_and_read")
    graph.add_edge("clone_and_read", "hypothesize")
    graph.add_conditional_edges(
        "hypothesize", route_after_hypothesize, ["clone_and_read", "confirm_culprit", "draft_fix", "report"]
    )
    graph.add_edge("confirm_culprit", "draft_fix")
    graph.add_edge("draft_fix", "report")
    graph.add_edge("report", END)
    return graph.compile(checkpointer=checkpointer, interrupt_before=interrupt_before, name="investigation")


def make_graph():
    """The investigation graph for LangGraph Server (`langgraph.json`): the server brings its own checkpointer.

    Run input is JSON (an incident object, a repo path, deploys); the context may carry settings.
    """
    return build_graph()
