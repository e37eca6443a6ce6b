"""Benchmark: `reportflow render` (docx+pdf+html) against the same pandoc and typst commands
run one after another from a shell script, in the same run, for the sample report and for a
generated 100-section report.

    PYTHONPATH=. python bench/bench_render.py [--repeat N]

Prints wall times (median of N) and the ratio ours / shell baseline, for the library call
(a new Python process running render_report) and for the whole CLI (typer start-up, git
provenance and the progress bar included). The baseline gets the
assembled Markdown for free; ours includes loading the report, assembling it, python-docx
post-processing (draft mark, signature, core properties) and the font scan.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportflow.content.model import load_report  # noqa: E402
from reportflow.core import pandoc  # noqa: E402
from reportflow.render import fonts, html, pdf, word  # noqa: E402
from reportflow.render.doc import RenderDoc  # noqa: E402

SAMPLE = ROOT / "content" / "political-ecology" / "2022"
PARAGRAPH = (
    "{n}是持续深化作风建设。坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实中央八项"
    "规定及其实施细则精神，持之以恒纠治“四风”，全年开展专项检查\\*\\*\\*次，发现并整改问题\\*\\*\\*个，"
    "进一步巩固拓展了作风建设成果，推动形成风清气正的良好政治生态。"
)
NUMERALS = "一二三四五六七八九十"


def make_big_report(dest: Path, sections: int = 100) -> Path:
    shutil.copytree(SAMPLE, dest)
    (dest / "sections").mkdir(exist_ok=True)
    for f in (dest / "sections").iterdir():
        f.unlink()
    ids = [f"part-{i}" for i in range(1, sections + 1)]
    for i, sid in enumerate(ids, 1):
        body = "\n\n".join(PARAGRAPH.format(n=NUMERALS[k % 10]) for k in range(4))
        (dest / "sections" / f"{i:03d}-{sid}.md").write_text(
            f"---\nid: {sid}\ntitle: 第{i}部分\nowner: office-director\n---\n"
            f"\n## （一）小标题\n\n{body}\n",
            encoding="utf-8",
        )
    yaml = (dest / "report.yaml").read_text(encoding="utf-8")
    head, _, rest = yaml.partition("sections:\n")
    rest = rest[rest.index("people:") :]
    listed = "".join(f"- {sid}\n" for sid in ids)
    (dest / "report.yaml").write_text(head + "sections:\n" + listed + rest, encoding="utf-8")
    return dest


def baseline_script(report_dir: Path, work: Path) -> Path:
    """The same pandoc and typst commands, one after another, from a shell script."""
    report = load_report(report_dir)
    doc = RenderDoc.of(report, draft=True, commit="0" * 40, version=None)
    (work / "body.md").write_text(doc.markdown, encoding="utf-8")
    shutil.copyfile(pdf.TEMPLATE, work / "gongwen.typ")
    (work / "inputs.json").write_text(
        json.dumps(pdf.sys_inputs(doc, fonts.roles_for()), ensure_ascii=False), encoding="utf-8"
    )
    exe = shlex.quote(shutil.which("pandoc") or _pandoc_path())
    q = shlex.quote
    compile_py = (
        "import json, typst; typst.compile('main.typ', output='report.pdf', root='.', "
        "sys_inputs=json.load(open('inputs.json', encoding='utf-8')))"
    )
    script = f"""#!/usr/bin/env bash
set -euo pipefail
cd {q(str(work))}
{exe} -f {pandoc.RENDER_IN} --sandbox --wrap=none --reference-doc={q(str(word.REFERENCE_DOCX))} \\
  -M title={q(doc.title)} -M lang=zh-CN -t docx -o report.docx body.md
{exe} -f {pandoc.RENDER_IN} --sandbox --wrap=none -t typst -o body.typ body.md
{{ printf '%s' {q(pdf.MAIN)}; cat body.typ; }} > main.typ
{q(sys.executable)} -c {q(compile_py)}
{exe} -f {pandoc.RENDER_IN} --sandbox --standalone --wrap=none --shift-heading-level-by=1 \\
  --template={q(str(html.TEMPLATE))} --variable=css:"$(cat {q(str(html.STYLESHEET))})" \\
  -M title={q(doc.title)} -M lang=zh-CN -t html5 -o report.html body.md
"""
    path = work / "baseline.sh"
    path.write_text(script, encoding="utf-8")
    return path


def _pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


LIBRARY = (
    "import sys; from pathlib import Path; from reportflow.content.model import load_report; "
    "from reportflow.render import render_report; "
    "render_report(load_report(sys.argv[1]), ['docx', 'pdf', 'html'], Path(sys.argv[2]), "
    "draft=True, commit='0' * 40)"
)


def bench(name: str, report_dir: Path, work: Path, repeat: int) -> None:
    script = baseline_script(report_dir, work)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Installed software has its bytecode cached (pip compiles it); without the cache every
    # run would recompile typer, jsonschema, GitPython and python-docx.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cli = [sys.executable, "-m", "reportflow", "render", str(report_dir), "--draft"]
    cli += ["--out", str(work / "cli")]
    lib = [sys.executable, "-c", LIBRARY, str(report_dir), str(work / "lib")]
    wall(["bash", str(script)], env)  # warm the caches for all three
    wall(cli, env)
    wall(lib, env)
    times: dict[str, list[float]] = {"base": [], "cli": [], "lib": []}
    for _ in range(repeat):  # interleaved, so that machine noise hits all three alike
        times["base"].append(wall(["bash", str(script)], env))
        times["cli"].append(wall(cli, env))
        times["lib"].append(wall(lib, env))
    b, c, lib_t = (statistics.median(times[k]) for k in ("base", "cli", "lib"))
    print(
        f"{name:<20} shell baseline {b:5.2f} s | render_report() in a new process {lib_t:5.2f} s "
        f"ratio {lib_t / b:4.2f} | reportflow render CLI {c:5.2f} s ratio {c / b:4.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"docx+pdf+html, median of {args.repeat}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        root = Path(tmp)
        for name, folder in (
            ("sample (4 sections)", SAMPLE),
            ("100 sections", make_big_report(root / "big")),
        ):
            work = root / name.split()[0]
            work.mkdir()
            bench(name, folder, work, args.repeat)


if __name__ == "__main__":
    main()
