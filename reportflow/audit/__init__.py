"""The audit stage: who wrote, changed and approved what, and what changed between versions.

It comes after release in the pipeline and reads what the earlier stages already read: the one
history walk (``core.history`` through ``gitio.walk``), the append-only ledger view and the
gate's context (``signoff.approval``), the release tags and manifests (``release.verify``).
Nothing here writes to the repository; nothing but ``reportflow.commands`` imports it.

- ``textdiff``: paragraph then character differences, merged into phrases (Chinese text);
- ``timeline``: the events (edits, sign-offs, roster changes, releases, trust-chain flags);
- ``table`` / ``page``: the timeline as a terminal table, CSV and a self-contained HTML page;
- ``versions``: ``diff`` between two versions; ``tracked``: the diff as a Word document with
  tracked changes; ``blame``: who last changed each paragraph.
"""
