"""The chat graph: wiring only. One run per turn; nodes live in `sleuth.agents.chat_nodes`."""

from langgraph.graph import END, START, StateGraph

from sleuth.agents.chat_nodes import ChatContext, answer_node, approve_node, investigate_node, route_turn
from sleuth.agents.chat_state import ChatState


def build_chat_graph(checkpointer=None):
    """Build and compile the chat graph (the investigation runs inside it as a subgraph)."""
    graph = StateGraph(ChatState, context_schema=ChatContext)
    graph.add_node("investigate", investigate_node)
    graph.add_node("answer", answer_node)
    graph.add_node("approve", approve_node)
    graph.add_conditional_edges(START, route_turn, ["investigate", "answer", "approve"])
    graph.add_edge("investigate", END)
    graph.add_edge("answer", END)
    graph.add_edge("approve", END)
    return graph.compile(checkpointer=checkpointer, name="chat")


def make_graph():
    """The chat graph for LangGraph Server (`langgraph.json`): one run per turn on a thread."""
    return build_chat_graph()
