"""``reportflow gate``: exit 0 when the report is fully approved at a commit, 1 otherwise,
listing what is still missing and naming any record file that was refused; a release tag
that is not a valid release (``release/tagcheck.py``) keeps it at 1 too, named."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportflow.core.i18n import N_, _
from reportflow.core.prewalk import Prewalk
from reportflow.core.safe_text import shown

if TYPE_CHECKING:
    from reportflow.signoff import approval

#: A verdict's status as a person reads it (JSON keeps the ids).
STATUS = {
    "approved": N_("approved"),
    "pending": N_("pending"),
    "stale": N_("stale"),
    "rejected": N_("rejected"),
    "unverified": N_("unverified"),  # no pinned trust root: nothing could be checked
}


def as_json(result: approval.Approval) -> dict[str, Any]:
    return {
        "passed": result.passed,
        "commit": result.commit,
        "report_status": result.report_status,
        "roster_status": result.roster_status,
        "sections": {
            sid: {k: v for k, v in asdict(verdict).items() if k != "counted"}
            for sid, verdict in result.sections.items()
        },
        "missing": list(result.missing),
        "problems": list(result.problems),
        "counted": [r.to_dict() for r in result.counted],
    }


def render(result: approval.Approval, name: str) -> str:
    """The verdict as text; names, comments and problems go through ``shown`` (a comment's
    escape sequence or newline must not print a fake "approved" line)."""
    head = _("APPROVED") if result.passed else _("NOT APPROVED")
    lines = [
        _("{report} at {commit}: {verdict}").format(
            report=shown(name), commit=result.commit[:10], verdict=head
        )
    ]
    verdicts = [*result.sections.values()]
    if result.report is not None:
        verdicts.append(result.report)
    for v in verdicts:
        who = ", ".join(v.approvers) if v.status == "approved" else v.still_needed
        status = _(STATUS[v.status]) if v.status in STATUS else v.status
        lines.append(f"  {shown(v.scope):<24} {status:<14} {shown(who)}")
    if result.missing:
        lines.append(_("missing:"))
        lines += [f"  - {shown(m)}" for m in result.missing]
    if result.problems:
        lines.append(_("problems:"))
        lines += [f"  - {shown(p)}" for p in result.problems]
    return "\n".join(lines)


def run(report_dir: Path, rev: str = "HEAD", fmt: str = "text") -> int:
    early = Prewalk(Path(report_dir), rev) if Path(report_dir).is_dir() else None
    from reportflow.release import tagcheck
    from reportflow.signoff import approval  # imported while git walks

    approval.require_pin(Path(report_dir))
    ctx = approval.load_context(Path(report_dir), rev, early=early)
    result, decided = approval.decide(ctx)
    # release tags choose nothing; the gate names those that are not releases
    forged = tagcheck.invalid_tags(
        Path(report_dir),
        ctx.report.report,
        ctx.report.year,
        ctx.commit,
        decided.roster.roster,
        ctx.records,
        ctx=ctx,
        decided=decided,
    )
    if forged:  # a tag that is not a release keeps the gate shut, named (issue 11)
        result = replace(result, passed=False, problems=(*result.problems, *forged))
    if fmt == "json":
        print(json.dumps(as_json(result), ensure_ascii=False, indent=2))
    else:
        print(render(result, str(report_dir)))
    return 0 if result.passed else 1
