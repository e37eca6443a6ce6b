"""Resume a paused release run from the command line (Prefect 3 has no such command).

    python -m reportflow.flows.resume <flow-run-id>
        [--as <person> (--section <id> | --report)] [--reject] [-m <comment>]

Without --as it resumes with an empty form: the flow re-checks the gate, which is how a
sign-off made with `reportflow signoff` meanwhile is picked up.
"""

from __future__ import annotations

import argparse
from uuid import UUID

from prefect.flow_runs import resume_flow_run


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
    resume_flow_run(args.flow_run_id, run_input=form)
    print(f"resumed {args.flow_run_id}")


if __name__ == "__main__":
    main()
