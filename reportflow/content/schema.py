"""YAML parsing and JSON Schema validation that point at the offending line.

jsonschema reports a path such as ``people/deputy-head/email``; drafters need a line number.
We compose the YAML once more into nodes (PyYAML keeps their marks) and walk the path to find
it, which no maintained library does for YAML + jsonschema together.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import marshal
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import cache as cache_result
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

from reportflow.core import cache
from reportflow.core.errors import SchemaError, YamlSyntaxError
from reportflow.core.resources import data_path

if TYPE_CHECKING:
    import jsonschema

SCHEMA_DIR = data_path()
#: Ids of reports, sections and people: safe as file names and git ref parts.
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@cache_result
def _loader() -> Any:
    """Safe loader that keeps dates as strings so documents stay JSON-compatible; libyaml's C
    parser when PyYAML has it (front matter of 1,000 sections parses ~10x faster). Made on
    first use: importing PyYAML costs ~15 ms (its reader compiles a large regular expression),
    which a render of an unchanged report.yaml (``parse_report_yaml``) and flat front matter
    never pay."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[valid-type,misc]
        pass

    _Loader.yaml_implicit_resolvers = {
        key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return _Loader


# One ``key: value`` a line, both single plain words (front matter as scaffolded: id, title,
# owner). Such a mapping is read without PyYAML, whose Python-side construction is most of the
# time of loading 1,000 sections; anything else (quotes, spaces, comments, lists) goes to it.
_FLAT_LINE = re.compile(r"([A-Za-z_][\w-]*): ([^\W_][\w.\-、，。：；！？（）《》“”‘’—…·]*)")


#: YAML 1.1's bools, as PyYAML's implicit resolver and constructor read them.
_BOOLS = {
    w: v
    for v, words in ((True, "yes true on"), (False, "no false off"))
    for w0 in words.split()
    for w in (w0, w0.capitalize(), w0.upper())
}
#: Other plain scalars it reads as other than a string (nulls, the merge and the value key),
#: and y/n besides, to be safe; every number starts with a digit, a sign or a dot.
_NOT_STRINGS = frozenset(["null", "Null", "NULL", "~", "<<", "=", "y", "Y", "n", "N", *_BOOLS])


def _implicit(scalar: str) -> bool:
    """Whether YAML might read the plain ``scalar`` as other than a string: cautious (anything
    that starts like a number counts), so that such a line goes to PyYAML."""
    return not scalar or scalar[0] in "-+.0123456789" or scalar in _NOT_STRINGS


def _flat_mapping(text: str) -> dict[str, str | bool] | None:
    out: dict[str, str | bool] = {}
    for line in text.split("\n"):
        m = _FLAT_LINE.fullmatch(line)
        if m is None or _implicit(m[1]):
            return None
        if m[2] in _BOOLS:  # show_heading: false
            out[m[1]] = _BOOLS[m[2]]
        elif _implicit(m[2]):
            return None
        else:
            out[m[1]] = m[2]
    return out


def parse_front_matter(text: str, file: str | Path, line_offset: int = 0) -> Any:
    """``parse_yaml`` of a section's front matter, with a fast path for flat ones."""
    flat = _flat_mapping(text) if text else None
    return flat if flat is not None else parse_yaml(text, file, line_offset)


def parse_yaml(text: str, file: str | Path, line_offset: int = 0) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_loader())  # a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlSyntaxError(
            f"YAML syntax error: {problem}",
            file=file,
            line=mark.line + 1 + line_offset if mark else None,
            column=mark.column + 1 if mark else None,
            hint="check indentation, colons and quotes on that line",
        ) from None


@cache_result
def load_schema(name: str) -> dict[str, Any]:
    with (SCHEMA_DIR / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def parse_report_yaml(text: str, file: str | Path) -> Any:
    """``parse_yaml`` of a report.yaml, kept as JSON in the user's cache with the hash of its
    text, one file per report.yaml path (so the cache does not grow with every edit): a
    render, status or gate reads the same report.yaml again and again, and JSON loads without
    importing PyYAML. A kept document is used only for the very text it was read from, and
    only one that JSON gives back unchanged is kept (no numeric keys, no NaN)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    folder = cache.user_dir()
    name = hashlib.sha256(str(file).encode("utf-8")).hexdigest()[:32]
    path = folder / "yaml" / f"{name}.json" if folder is not None else None
    if path is not None:
        try:
            kept = json.loads(cache.unseal(path.read_bytes()) or b"null")
            if isinstance(kept, dict) and kept.get("text") == digest:
                return kept["doc"]
        except (OSError, ValueError):
            pass
    doc = parse_yaml(text, file)
    if path is not None:
        data = json.dumps({"text": digest, "doc": doc}, ensure_ascii=False)
        # sealed (``cache.seal``): a kept parse is the roster the gate trusts, and a cache
        # folder can come from elsewhere (a CI job's restored cache)
        sealed = cache.seal(data.encode("utf-8")) if json.loads(data)["doc"] == doc else None
        if sealed is not None:
            cache.write_atomic(path, sealed)
    return doc


def node_line(text: str, path: Sequence[str | int]) -> int | None:
    import yaml

    try:
        node = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError:
        return None
    line = node.start_mark.line if node is not None else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    line, node = k.start_mark.line, v
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if key >= len(node.value):
                break
            node = node.value[key]
            line = node.start_mark.line
        else:
            break
    return None if line is None else line + 1


def _unexpected(error: jsonschema.ValidationError) -> list[str]:
    allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    return [k for k in error.instance if k not in allowed]


def _allowed(error: jsonschema.ValidationError) -> str:
    return ", ".join(error.schema.get("properties", {})) if isinstance(error.schema, dict) else ""


def _describe(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "pattern" and isinstance(error.instance, str):
        return (
            f"{where}: {error.instance!r} is not allowed here; use only lower-case letters a-z, "
            "digits 0-9 and '-' (no '/', '..' or spaces)"
        )
    if error.validator == "required":
        return f"{where}: {error.message}"
    if error.validator == "additionalProperties":
        keys = ", ".join(repr(k) for k in _unexpected(error))
        return f"{where}: unknown key {keys} (check its spelling; allowed: {_allowed(error)})"
    return f"{where}: {error.message}"


_NEWER_KEYWORDS = re.compile(
    r'"(prefixItems|dependentRequired|dependentSchemas|unevaluatedItems|unevaluatedProperties|'
    r'\$dynamicRef|\$dynamicAnchor|\$recursiveRef|minContains|maxContains)"'
)


_ANNOTATIONS = {"$ref", "description", "title", "$comment", "default", "examples"}


def _ref_with_siblings(node: Any) -> bool:
    """Whether a ``$ref`` sits next to a validation keyword: since 2019-09 both apply, while
    draft 7 (fastjsonschema) lets the ``$ref`` override them."""
    if isinstance(node, dict):
        if "$ref" in node and set(node) - _ANNOTATIONS:
            return True
        return any(_ref_with_siblings(v) for v in node.values())
    if isinstance(node, list):
        return any(_ref_with_siblings(v) for v in node)
    return False


#: The one import in fastjsonschema's generated code; we supply the names instead, because
#: importing fastjsonschema costs ~20 ms that a cached validator need not pay.
_GENERATED_IMPORT = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException"


class _Invalid(Exception):
    """Raised by a cached validator: the document does not match (details come from jsonschema)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args)


def _validator_code(schema_name: str) -> CodeType | None:
    """fastjsonschema's validator for ``schema_name``, as a code object cached on disk.

    Generating it costs ~50 ms a schema in every process that loads a report (more than
    parsing the report); the cache is keyed by the schema's text, the Python version, the
    installed fastjsonschema and this very file (which decides how the code is generated), so
    any change to one of them generates it afresh. The cache is in the user's own cache
    folder, trusted as much as their home folder (like a .pyc), one file per checkout of
    reportflow (several worktrees, or a checkout beside the installed copy, share a home).
    """
    schema = load_schema(schema_name)
    if _NEWER_KEYWORDS.search(json.dumps(schema)) or _ref_with_siblings(schema):
        return None  # draft 2019/2020 rules it would silently ignore
    doc = dict(schema)
    doc["$schema"] = "http://json-schema.org/draft-07/schema#"  # it knows drafts up to 7
    doc.pop("$id", None)  # so that the entry point is named ``validate``; our $refs are local
    spec = importlib.util.find_spec("fastjsonschema")
    if spec is None or spec.origin is None:
        return None
    folder = cache.user_dir()
    path = None
    if folder is not None:
        stamps = f"{os.stat(spec.origin).st_mtime_ns}\0{os.stat(__file__).st_mtime_ns}"
        key = hashlib.sha256(
            f"{json.dumps(doc, sort_keys=True)}\0{sys.version}\0{spec.origin}\0{stamps}".encode()
        ).hexdigest()
        # one name per checkout: a second checkout (a worktree, an installed copy) keeps its
        # own and never removes this one's, which they did to each other every run (each
        # key holds this file's stamp, so each saw the other's as stale)
        place = hashlib.sha256(os.path.dirname(__file__).encode()).hexdigest()[:8]
        path = folder / "schemas" / f"{schema_name}.{place}.{key[:32]}.bin"
        try:
            # sealed (``cache.seal``): this is code we run, and a cache folder can come from
            # elsewhere (a CI job's restored cache, a shared XDG_CACHE_HOME)
            raw = cache.unseal(path.read_bytes())
            code = marshal.loads(raw) if raw is not None else None
            if isinstance(code, CodeType):
                return code
        except (OSError, ValueError, EOFError, TypeError):
            pass  # absent, damaged or not sealed by this user: generate it again
    import fastjsonschema

    try:
        source = fastjsonschema.compile_to_code(doc)
    except fastjsonschema.JsonSchemaDefinitionException:
        return None
    code = compile(source.replace(_GENERATED_IMPORT, ""), f"<schema {schema_name}>", "exec")
    sealed = cache.seal(marshal.dumps(code)) if path is not None else None
    if path is not None and sealed is not None and cache.write_atomic(path, sealed):
        # from an older schema or tool, of this checkout (or of a name before the checkout's)
        for stale in path.parent.glob(f"{schema_name}.*.bin"):
            parts = stale.name[len(schema_name) + 1 :].split(".")
            if stale != path and (len(parts) == 2 or parts[0] == place):
                stale.unlink(missing_ok=True)
    return code


@cache_result
def _fast_check(schema_name: str) -> Callable[[Any], bool] | None:
    """The same schema compiled by fastjsonschema: the gate validates a thousand sign-off
    records and a hundred sections per run, ~30x faster than jsonschema. It only says yes
    or no; a document it refuses goes through jsonschema, whose errors we explain. None
    when the schema cannot be compiled (then jsonschema decides alone)."""
    code = _validator_code(schema_name)
    if code is None:
        return None
    names: dict[str, Any] = {
        "JsonSchemaValueException": _Invalid,
        "JsonSchemaValuesException": _Invalid,
    }
    exec(code, names)  # code fastjsonschema generated from our own schema
    compiled = names.get("validate")
    if compiled is None:
        return None
    # Should a newer fastjsonschema import other names, its own exceptions are bound here.
    refusals = (names["JsonSchemaValueException"], names["JsonSchemaValuesException"])

    def check(document: Any) -> bool:
        try:
            compiled(document)
        except refusals:
            return False
        return True

    return check


def validate(
    document: Any,
    schema_name: str,
    *,
    file: str | Path,
    source: str | None = None,
    line_offset: int = 0,
) -> None:
    """Raise ``SchemaError`` for the first (most relevant) violation of ``schema_name``."""
    check = _fast_check(schema_name)
    if check is not None and check(document):
        return
    import jsonschema  # only a document that fails pays for importing it (~0.1 s)

    schema = load_schema(schema_name)
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is None:
        return
    line = None
    if source is not None:
        path = list(error.absolute_path)
        if error.validator == "additionalProperties":
            path += _unexpected(error)[:1]
        found = node_line(source, path)
        line = found + line_offset if found is not None else None
    raise SchemaError(
        f"schema violation at {_describe(error)}",
        file=file,
        line=line,
        hint=f"see schemas/{schema_name}",
    )


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
