"""A process that starts a checkpointed investigation and stops before one node, or resumes one.

`start DB REPO DEPLOYS INCIDENT NODE`: runs the graph with a SQLite checkpointer until it is about
to run NODE, prints `stopped before NODE` and waits to be killed (as a crashed worker would be).
`resume DB`: a fresh process, a fresh sandbox: resumes the thread and prints the report as JSON.
"""

import json
import sys
import time
from pathlib import Path

from sleuth.agents.context import InvestigationContext
from sleuth.api import investigation_input, resume_investigation
from sleuth.checkpoints import sqlite_checkpointer
from sleuth.config import Settings
from sleuth.graphs.investigation import build_graph
from sleuth.inputs import load_deploys, load_incident

THREAD = {"configurable": {"thread_id": "resumed"}}


def start(db: Path, repo: str, deploys: Path, incident: Path, node: str) -> None:
    settings = Settings()
    inputs = investigation_input(load_incident(incident), repo, deploys=load_deploys(deploys), settings=settings)
    context = InvestigationContext(settings=settings)
    with sqlite_checkpointer(db, settings.secrets()) as saver:
        graph = build_graph(saver, interrupt_before=[node])
        for _ in graph.stream(inputs, THREAD, context=context):
            pass
        assert graph.get_state(THREAD).next == (node,), graph.get_state(THREAD).next
    print(f"stopped before {node}", flush=True)
    time.sleep(600)  # killed here with -9: nothing is cleaned up, as after a crash


def resume(db: Path) -> None:
    with sqlite_checkpointer(db, []) as saver:
        report = resume_investigation("resumed", saver, settings=Settings())
    print(
        json.dumps(
            {"culprit": report.hypotheses[0].culprit_sha, "validated": bool(report.fix and report.fix.validated)}
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "start":
        start(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5]), sys.argv[6])
    else:
        resume(Path(sys.argv[2]))
