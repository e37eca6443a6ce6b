"""The one exception hierarchy of reportflow.

Every error a user can cause is a ``ReportflowError`` carrying where it happened (file, line,
column) and how to fix it, so the single handler in ``reportflow.core.error_handler`` can print one
line and exit with the right code. Anything else that escapes is a bug: the handler logs its
traceback instead of showing it.
"""

from __future__ import annotations

from pathlib import Path


class ReportflowError(Exception):
    """Base of every error reportflow raises on purpose."""

    #: Exit code of the CLI: 2 means "the input could not be read or used".
    exit_code: int = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.hint = hint

    def location(self) -> str:
        if self.file is None:
            return ""
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        text = self.message
        where = self.location()
        if where:
            text = f"{where}: {text}"
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class InputError(ReportflowError):
    """The user's files or arguments are wrong: exit 2, nothing written."""


class ContentError(InputError):
    """A report folder is inconsistent: missing files, unknown sections, bad ids."""


class SchemaError(InputError):
    """A YAML or JSON document does not satisfy its JSON Schema."""


class YamlSyntaxError(InputError):
    """A YAML document cannot be parsed."""


class EncodingError(InputError):
    """A text file is not UTF-8."""


class ImportFailed(InputError):
    """A document given to ``reportflow import`` cannot be turned into a report."""


class Refused(ReportflowError):
    """An action was understood but is not allowed (a sign-off, a release): exit 1."""

    exit_code = 1


class ToolError(ReportflowError):
    """An external tool (git, pandoc, typst, ssh-keygen) failed or is missing."""

    exit_code = 3


class GitError(ToolError):
    """A git operation failed where the user's input is not the cause: exit 3."""


class GitInputError(GitError, InputError):
    """git could not do what the user asked for: a folder that is missing or not in a git
    repository, an unknown revision or range. Exit 2 like every input the user can fix; still
    a ``GitError``, so callers that survive a failed git call (verify) catch both."""

    exit_code = 2
