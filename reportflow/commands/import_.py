"""``reportflow import``: start a report folder from last year's report as a file."""

from __future__ import annotations

from pathlib import Path

from reportflow.content import importer, scaffold, templates, wordupdate
from reportflow.core.errors import InputError
from reportflow.core.i18n import _

PREFACE_TITLE = "前言"
#: Written where the user gave no value: the placeholder rule flags it until someone fills it.


def section_ids(doc: importer.ImportedDocument, ids: list[str] | None, template: dict) -> list[str]:
    count = len(doc.sections)
    if ids:
        if len(ids) != count:
            found = ", ".join(s.title or PREFACE_TITLE for s in doc.sections)
            raise InputError(
                f"--ids names {len(ids)} sections but the document has {count}: {found}",
                hint="give one id per section, the preface included, in order",
            )
        return [scaffold.check_id(i, "section id") for i in ids]
    planned = [s["id"] for s in template.get("sections", [])]
    if len(planned) == count:
        return planned
    numbered = iter(range(1, count + 1))
    return ["preface" if s.title is None else f"section-{next(numbered)}" for s in doc.sections]


def run(
    file: Path,
    *,
    report: str,
    year: int,
    into: Path,
    template: str = "generic",
    title: str | None = None,
    organisation: str | None = None,
    owner: str = "drafter",
    ids: list[str] | None = None,
) -> Path:
    scaffold.check_id(report, "report id")
    scaffold.check_id(owner, "owner")
    tpl = templates.load_template(template)
    doc = importer.read_document(file)
    report_title = title or doc.title
    if not report_title:
        raise InputError(
            "the document has no title line",
            file=file,
            hint="pass the report title with --title",
        )
    names = section_ids(doc, ids, tpl)
    sections = [
        scaffold.NewSection(
            id=sid,
            title=part.title or PREFACE_TITLE,
            owner=owner,
            body=part.markdown,
            show_heading=part.title is not None,
        )
        for sid, part in zip(names, doc.sections, strict=True)
    ]
    report_doc = {
        "report": report,
        "year": year,
        "title": report_title,
        "organisation": organisation or doc.signature or scaffold.TO_FILL,
        "template": template,
        "language": "zh-CN",
        "sections": names,
        "people": {owner: {"name": owner, "roles": ["author"]}},
    }
    if doc.date:  # the 成文日期 below the signature: printed there again
        report_doc["render"] = {"date": doc.date}
    return scaffold.write_report(into / report / str(year), report_doc, sections)


def update(report_dir: Path, file: Path, person: str | None, branch: str | None) -> None:
    """``import --update``: a reviewer's edited DOCX onto a branch, one commit per section."""
    if not person:
        raise InputError(
            _("--update needs --as: who made the edits in Word"),
            hint=_("give their person id from report.yaml, e.g. --as deputy-head-1"),
        )
    done = wordupdate.update(report_dir, file, person, branch)
    if done.branch is None:
        print(
            _("{file} holds the same text as {commit}: nothing to commit").format(
                file=file.name, commit=done.base[:10]
            )
        )
        return
    where = _("the commit it was rendered from") if done.base_from_file else "HEAD"
    print(
        _("on the new branch {branch}, on top of {commit} ({where}):").format(
            branch=done.branch, commit=done.base[:10], where=where
        )
    )
    for section, commit in done.commits:
        print(f"  {commit[:10]}  {section}")
    print(
        _("review it (reportflow diff, git log -p {branch}), then merge it").format(
            branch=done.branch
        )
    )
