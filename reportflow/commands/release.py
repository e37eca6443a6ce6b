"""``reportflow release``: tag and archive the approved version of a report."""

from __future__ import annotations

from pathlib import Path

from reportflow.audit import archived
from reportflow.commands import progress
from reportflow.core.i18n import N_, _
from reportflow.release import release

LABELS = {
    "check": N_("checking validation and sign-offs"),
    "render": N_("rendering docx, pdf, html"),
    "sources": N_("archiving the sources (git archive)"),
    "manifest": N_("writing the manifest"),
    "publish": N_("publishing the archive entry"),
    "tag": N_("creating the signed tag"),
    "record": N_("committing the release record"),
}


def run(path: Path, rev: str = "HEAD", key: Path | None = None) -> release.Released:
    with progress.bar("release", total=len(release.STEPS)) as update:
        done = release.release(
            path,
            rev,
            key=key,
            attachments=(archived.audit_page,),  # audit.html in the entry, signed with it
            on_step=lambda name: update(_(LABELS[name]), release.STEPS.index(name)),
        )
        update(_("done"), len(release.STEPS))
    if done.already:
        print(
            _("{commit} is already released as {tag}; nothing to do").format(
                commit=done.commit[:10], tag=done.tag
            )
        )
    else:
        print(_("released {tag} at {commit}").format(tag=done.tag, commit=done.commit[:10]))
        print(_("archive: {entry}").format(entry=done.entry))
        print(_("manifest sha256: {sha}").format(sha=done.manifest_sha256))
    return done
