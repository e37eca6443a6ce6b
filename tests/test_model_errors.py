"""Bad input: a clear one-line message naming the file (and line), exit code 2, no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE_REPORT

from reportflow.content import model


@pytest.fixture
def report(tmp_path: Path) -> Path:
    dest = tmp_path / "political-ecology" / "2022"
    shutil.copytree(SAMPLE_REPORT, dest)
    return dest


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _fails(cli, report: Path, *needles: str) -> str:
    result = cli("status", report)
    assert result.code == 2, result
    assert result.err.count("\n") == 1, result.err  # one line
    for needle in needles:
        assert needle in result.err, result.err
    return result.err


def test_clean_sample_loads(report: Path) -> None:
    loaded = model.load_report(report)
    assert loaded.report == "political-ecology"
    assert loaded.people["deputy-head-1"].roles == ("deputy-head",)
    assert len(loaded.sections) == 4


def test_missing_report_yaml(cli, report: Path) -> None:
    (report / "report.yaml").unlink()
    _fails(cli, report, f"{report}/report.yaml", "report.yaml not found")


def test_yaml_syntax_error_names_line(cli, report: Path) -> None:
    _replace(report / "report.yaml", "year: 2022", "year: [2022")
    err = _fails(cli, report, f"{report}/report.yaml:", "YAML syntax error")
    line = int(err.split("report.yaml:")[1].split(":")[0])
    assert 5 <= line <= 8


def test_schema_violation_names_field_and_line(cli, report: Path) -> None:
    _replace(report / "report.yaml", "email: deputy-head-2@example.gov.cn", "email: not-an-email")
    text = (report / "report.yaml").read_text(encoding="utf-8").split("\n")
    line = next(i for i, ln in enumerate(text, 1) if "not-an-email" in ln)
    _fails(cli, report, f"report.yaml:{line}:", "people/deputy-head-2/email", "not-an-email")


def test_missing_required_field(cli, report: Path) -> None:
    _replace(report / "report.yaml", "organisation: 区政府党组\n", "")
    _fails(cli, report, "report.yaml", "'organisation' is a required property")


def test_section_in_order_without_file(cli, report: Path) -> None:
    (report / "sections" / "02-problems.md").unlink()
    text = (report / "report.yaml").read_text(encoding="utf-8").split("\n")
    line = next(i for i, ln in enumerate(text, 1) if ln == "- problems")
    _fails(cli, report, f"report.yaml:{line}:", "'problems'", "has no file")


def test_file_not_in_order(cli, report: Path) -> None:
    shutil.copy(report / "sections" / "02-problems.md", report / "sections" / "04-extra.md")
    _replace(report / "sections" / "04-extra.md", "id: problems", "id: extra")
    _fails(cli, report, "sections/04-extra.md", "not listed")


def test_duplicate_section_ids(cli, report: Path) -> None:
    shutil.copy(report / "sections" / "02-problems.md", report / "sections" / "05-problems.md")
    _fails(cli, report, "sections/05-problems.md:2", "duplicate section id 'problems'")


@pytest.mark.parametrize("bad", ["../etc", "a/b", "Problems", "问题"])
def test_bad_ids_in_order(cli, report: Path, bad: str) -> None:
    _replace(report / "report.yaml", "- problems", f"- '{bad}'")
    _fails(cli, report, "report.yaml:", "sections/2", "a-z")


def test_bad_id_in_front_matter(cli, report: Path) -> None:
    _replace(report / "sections" / "02-problems.md", "id: problems", "id: ../problems")
    _fails(cli, report, "sections/02-problems.md:2", "a-z")


def test_bad_section_file_name(cli, report: Path) -> None:
    (report / "sections" / "02-problems.md").rename(report / "sections" / "problems.md")
    _fails(cli, report, "sections/problems.md", "NN-<id>.md")


def test_unknown_owner(cli, report: Path) -> None:
    _replace(report / "sections" / "02-problems.md", "owner: office-director", "owner: nobody")
    _fails(cli, report, "sections/02-problems.md", "'nobody'", "people")


def test_gbk_file_is_refused_with_conversion_hint(cli, report: Path) -> None:
    path = report / "sections" / "02-problems.md"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    _fails(cli, report, "sections/02-problems.md:", "GBK", "iconv -f GB18030 -t UTF-8")


def test_bom_and_crlf_are_accepted_as_clean(report: Path) -> None:
    clean = model.load_report(report)
    for path in [report / "report.yaml", *sorted((report / "sections").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    dirty = model.load_report(report)
    assert dirty.sections == clean.sections
    assert dirty.title == clean.title


def test_front_matter_missing(cli, report: Path) -> None:
    path = report / "sections" / "02-problems.md"
    path.write_text("正文。\n", encoding="utf-8")
    _fails(cli, report, "sections/02-problems.md:1", "front matter")


def test_front_matter_typo_key(cli, report: Path) -> None:
    _replace(report / "sections" / "02-problems.md", "owner:", "ower: x\nowner:")
    _fails(cli, report, "sections/02-problems.md:4", "'ower'")


def test_not_a_folder(cli, tmp_path: Path) -> None:
    _fails(cli, tmp_path / "nope", "nope", "no such report folder")


def test_unexpected_errors_print_one_line_and_log_the_traceback(capsys, tmp_path: Path) -> None:
    from reportflow.core.error_handler import error_handler, log_path

    with pytest.raises(SystemExit) as exit_info, error_handler():
        {}["missing"]  # a bug, not a user mistake
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith("reportflow: internal error: KeyError") and err.count("\n") == 1
    assert "Traceback" in log_path().read_text(encoding="utf-8")


def test_cached_schema_validators_still_refuse_and_survive_damage(
    cli, report: Path, tmp_path: Path
) -> None:
    """The fast validators are generated once and cached on disk; a cached one must refuse
    exactly what a fresh one refuses, and a damaged cache file only costs a regeneration."""
    cached = Path(os.environ["XDG_CACHE_HOME"]) / "reportflow" / "schemas"
    assert cli("status", report).code == 0
    files = sorted(cached.glob("*.bin"))
    assert {f.name.split(".")[0] for f in files} == {"report", "section"}, files
    _replace(report / "report.yaml", "year: 2022", "year: twenty-two")
    _fails(cli, report, "report.yaml", "year")  # refused by the cached validator's 'no'
    for f in files:
        f.write_bytes(b"not a code object")
    stale = cached / "report.schema.json.0123456789abcdef0123456789abcdef.bin"
    stale.write_bytes(b"left by an older reportflow")
    _fails(cli, report, "report.yaml", "year")
    _replace(report / "report.yaml", "year: twenty-two", "year: 2022")
    assert cli("status", report).code == 0
    assert all(f.read_bytes() != b"not a code object" for f in files)  # regenerated
    assert not stale.exists()  # replaced files are not left to pile up
    # A new process answers from the cache alone: fastjsonschema is not even imported.
    probe = (
        "import sys, yaml; from reportflow.content import schema; "
        "doc = yaml.safe_load(open(sys.argv[1], encoding='utf-8')); "
        "check = schema._fast_check('report.schema.json'); "
        "good = check(doc); doc['year'] = 'twenty-two'; bad = check(doc); "
        "print(good, bad, 'fastjsonschema' in sys.modules)"
    )
    answer = subprocess.run(
        [sys.executable, "-c", probe, str(report / "report.yaml")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert answer.stdout.split() == ["True", "False", "False"], answer


def test_no_usable_home_folder_means_no_cache_not_a_failure(cli, report: Path, tmp_path: Path):
    """A service account without a home folder, or a relative XDG_CACHE_HOME: commands work
    as before and nothing is written into the working folder."""
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "HOME": "", "XDG_CACHE_HOME": "relative-cache"}
    env.pop("REPORTFLOW_LOG")
    status = [sys.executable, "-m", "reportflow", "status", str(report)]
    done = subprocess.run(status, cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done
    _replace(report / "report.yaml", "year: 2022", "year: twenty-two")
    done = subprocess.run(status, cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done
    assert list(work.iterdir()) == []
