"""Stage 1, content: report folders as frozen dataclasses, their schemas, Markdown, templates,
and the ways a folder comes to exist (import of last year's file, scaffolding)."""
