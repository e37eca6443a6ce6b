"""Resume a paused release run from the command line (Prefect 3 has no such command).

    python -m reportflow.flows.resume <flow-run-id>
        [--as <person> (--section <id> | --report)] [--reject] [-m <comment>]

Without --as it resumes with an empty form: the flow re-checks the gate, which is how a
sign-off made with `reportflow signoff` meanwhile is picked up. The waiting run's form offers
choices (reportflow.cycle.uiform); the ids given here are matched to them.
"""

from __future__ import annotations

import argparse
from typing import Any
from uuid import UUID

from prefect import get_client
from prefect.flow_runs import resume_flow_run
from prefect.input.actions import read_flow_run_input

from reportflow.cycle import uiform


def as_choices(flow_run_id: UUID, form: dict[str, str]) -> dict[str, Any]:
    """``form`` (ids, as on the command line) in the terms of the waiting run's form: each
    value becomes the choice that carries it, an empty one the field's first choice
    ("nobody: look again"). A value the form does not offer is refused here, naming the
    choices, rather than by the server."""
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run_id).state
    keyset = state.state_details.run_input_keyset if state else None
    if not keyset:
        raise SystemExit(f"flow run {flow_run_id} is not waiting for a sign-off")
    schema = read_flow_run_input(keyset["schema"], flow_run_id=flow_run_id) or {}
    out: dict[str, Any] = {}
    for field, value in form.items():
        options = (schema.get("properties", {}).get(field) or {}).get("enum")
        if not options:
            out[field] = value
            continue
        found = options[0] if value == "" else uiform.find(options, value)
        if found is None:
            raise SystemExit(f"{field} {value!r} is not offered by the form: " + ", ".join(options))
        out[field] = found
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m reportflow.flows.resume")
    parser.add_argument("flow_run_id", type=UUID)
    parser.add_argument("--as", dest="reviewer", default="")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--section", default=None)
    scope.add_argument("--report", action="store_true")
    parser.add_argument("--reject", action="store_true")
    parser.add_argument("-m", "--comment", default="")
    args = parser.parse_args(argv)
    form = {
        "reviewer": args.reviewer,
        "scope": "report" if args.report else (f"section:{args.section}" if args.section else ""),
        "decision": "reject" if args.reject else "approve",
        "comment": args.comment,
    }
    resume_flow_run(args.flow_run_id, run_input=as_choices(args.flow_run_id, form))
    print(f"resumed {args.flow_run_id}")


if __name__ == "__main__":
    main()
