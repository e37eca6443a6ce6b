"""An office's own content repository, as ``reportflow init`` creates it.

An office starts with nothing but reportflow installed on its PCs. ``init`` gives it a git
repository holding a first report folder (``scaffold`` writes it, schema-checked), a
``report.yaml`` whose comments say in Chinese what to fill in, the pre-commit hook, a
``.gitignore`` and a README saying what to do next. Like ``scaffold``, it writes everything
or nothing: the files are built in a hidden folder inside the target and moved into place only
when all of them exist, and the moves are undone if one fails.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reportflow.content import scaffold
from reportflow.content.model import REPORT_FILE
from reportflow.core import gitio
from reportflow.core.errors import InputError

#: Written where the user gave no value, as ``new`` and ``import`` do.
TO_FILL = scaffold.TO_FILL
CONTENT = "content"
PRE_COMMIT = ".pre-commit-config.yaml"
GITIGNORE = ".gitignore"
README = "README.md"
#: The office guide's name when the repository already has a README of its own.
README_BESIDE = "README.reportflow.md"
#: What release and render write inside the repository: never committed.
IGNORED = ("archive/", "build/")
HOOK_ID = "reportflow-validate"
#: The same files as the hook in reportflow's .pre-commit-hooks.yaml.
HOOK_FILES = r"^content/[^/]+/[0-9]{4}/(report\.yaml|sections/.+\.md)$"

#: The skeleton's people: the sample's roles (drafter, section reviewer, final approver).
PEOPLE = (
    ("office-director", "办公室主任", "author", "起草各部分（sections/*.md 的 owner）"),
    ("deputy-head-1", "分管副职", "deputy-head", "审核每一部分"),
    ("party-secretary", "主要负责人", "party-secretary", "最终审批全文，并签署人员名单的变更"),
)
OWNER = PEOPLE[0][0]


@dataclass(frozen=True)
class OfficeOptions:
    """What ``reportflow init`` asks for; everything but the year has a default."""

    year: int
    report: str = "annual-report"
    template: str = "generic"
    organisation: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class InitResult:
    root: Path
    report_dir: Path  # relative to root
    created_repo: bool
    written: tuple[str, ...]  # paths relative to root, in the order written
    kept: tuple[str, ...]  # files that existed and were left as they were


def _q(text: str) -> str:
    """A YAML scalar for any text (a JSON string is a YAML double-quoted scalar)."""
    return json.dumps(text, ensure_ascii=False)


def report_yaml(opts: OfficeOptions, sections: list[str]) -> str:
    """report.yaml with comments: YAML's dumper cannot write them, so the text is built here
    and the document reportflow checks is parsed back from exactly this text."""
    title = opts.title or TO_FILL
    org = opts.organisation or TO_FILL
    lines = [
        f"# {opts.year}年报告：由 reportflow init 生成。按注释填写后运行",
        f"#   reportflow validate {CONTENT}/{opts.report}/{opts.year}",
        "# 重要：report.yaml 第一次带着 policy 提交时，其中的人员、角色、邮箱、公钥和审批规则",
        "# 即成为可信名单（首次提交即信任）。以后再改这些，须经最终审批人签署",
        "# （reportflow signoff ... --roster）才生效。所以请先填好每个人的 email 和 keys，再提交。",
        f"report: {opts.report}    # 报告系列编号（小写字母、数字和 -），即 content/ 下的文件夹名",
        f"year: {opts.year}    # 报告所属年度",
        f"title: {_q(title)}    # 报告标题，照印出的样子填写",
        f"organisation: {_q(org)}    # 发文机关，印在正文之后作落款",
        f"template: {opts.template}    # 报告模板（结构和检查规则）",
        "language: zh-CN",
        "sections:    # 各部分编号，按报告中的顺序；每个编号对应一个 sections/NN-编号.md",
        *(f"- {s}" for s in sections),
        "people:",
        "  # 参与的人，以职务作编号（只用小写字母、数字和 -），name 可写职务或姓名。",
        "  # email：必须与此人电脑上 `git config user.email` 完全一致，",
        "  #   reportflow 凭它认出每次修改的作者（改过某部分的人不能审批该部分）。",
        "  # keys：此人的 SSH 公钥，即 ssh-keygen -t ed25519 生成的 .pub 文件的整行内容，",
        "  #   写成 [ssh-ed25519 AAAA... 说明]；签署时用它验证签名，没有公钥就不能签署。",
        "  # 人数不够可照样增加，如 deputy-head-2（roles: [deputy-head]）。",
    ]
    for pid, name, role, what in PEOPLE:
        lines += [
            f"  {pid}:",
            f"    name: {name}    # 职务或姓名",
            f"    roles: [{role}]    # {what}",
            f"    email: {pid}@example.invalid    # 改为此人的 git user.email",
            "    keys: []    # 填入此人的 SSH 公钥",
        ]
    lines += [
        "policy:    # 谁审批什么",
        "  sections:",
        "    default: {approvals: 1, roles: [deputy-head]}    # 每一部分须 1 名 deputy-head 同意",
        "  report: {approvals: 1, roles: [party-secretary]}    # 各部分都同意后的最终审批",
        "  separation_of_duties: true    # 改过某部分的人不能审批该部分",
        "  signatures: {required_for: everyone}    # 每个签署都须用 SSH 私钥签名",
        "dates:    # 提醒用的日期，可改可删",
        f'  opens: "{opts.year}-11-01"    # 开始起草',
        f'  due: "{opts.year + 1}-01-10"    # 交稿',
        f'  approve_by: "{opts.year + 1}-01-20"    # 审批完成',
    ]
    return "\n".join(lines) + "\n"


def pre_commit_config() -> str:
    """The hook as a local hook: see the comment it carries for why."""
    return f"""\
# pre-commit: 提交前检查改动过的报告（reportflow validate），有错误就不让提交。
# 每台电脑上装一次 pre-commit（pipx install pre-commit），在本仓库里运行一次 pre-commit install。
#
# 本地钩子（repo: local, language: system）：用这台电脑上已安装的 reportflow，
# 与手工运行的是同一个版本，不需要联网，也不需要 reportflow 源码仓库的地址。
# 如果单位有一个放着 reportflow 源码的 git 服务器，也可以让 pre-commit 自己安装它：
#   - repo: https://git.example.gov.cn/tools/reportflow
#     rev: v0.1.0
#     hooks:
#       - id: {HOOK_ID}
repos:
  - repo: local
    hooks:
      - id: {HOOK_ID}
        name: reportflow validate (公文规范检查)
        entry: reportflow validate
        language: system
        files: {HOOK_FILES}
        pass_filenames: true
        require_serial: true
"""


def gitignore(existing: str = "") -> str:
    """``existing`` with the lines reportflow needs added at its end (none twice)."""
    have = {line.strip() for line in existing.splitlines()}
    missing = [p for p in IGNORED if p not in have and p.rstrip("/") not in have]
    if not missing:
        return existing
    head = existing if not existing or existing.endswith("\n") else existing + "\n"
    block = "# reportflow: 发布的存档和生成的文件不进 git\n" + "".join(f"{p}\n" for p in missing)
    return head + ("\n" if head else "") + block


def office_readme(opts: OfficeOptions, report_dir: str) -> str:
    """What to do next, for the people of the office (in Chinese)."""
    r, y = report_dir, opts.year
    return f"""\
# {opts.organisation or "本单位"}的报告

本仓库用 reportflow 起草、审批和存档年度报告：每一部分是一个 Markdown 文件，放在 git 里，
提交前自动检查，领导用 SSH 签名审批，发布后的版本可以多年后核验。

第一份报告在 `{r}/`：
- `report.yaml`：标题、发文机关、参与的人、审批规则（按其中的注释填写）
- `sections/NN-编号.md`：各部分正文
- `signoffs/`：审批记录（由 `reportflow signoff` 写入，不要手改）

## 接下来

1. **每台电脑**：安装 reportflow（`pipx install reportflow-*.whl`）和 pre-commit
   （`pipx install pre-commit`）；设置 git 身份，邮箱须与 report.yaml 中此人的 `email` 一致：
   `git config --global user.name "办公室主任"`，`git config --global user.email "..."`。
2. **每位审批人**生成签名用的密钥：`ssh-keygen -t ed25519 -f ~/.ssh/reportflow`，
   把 `~/.ssh/reportflow.pub` 的内容交给办公室，填入 report.yaml 此人的 `keys:`。
   私钥 `~/.ssh/reportflow` 留在本人电脑上，不要发给别人。
3. 填好 `{r}/report.yaml`：标题、发文机关、每个人的 `email` 和 `keys`。
   **先填好再第一次提交**：第一次提交的名单即是可信名单，以后修改须经最终审批人签署。
4. 去年的 Word 文件可以导入作起草的基础（导入到 `last-year/`，不进 content/）：
   `reportflow import last-year.docx --report {opts.report} --year {y - 1}
   --template {opts.template} --owner {OWNER} --into last-year`，
   再把 `last-year/{opts.report}/{y - 1}/sections/` 中的文件复制到 `{r}/sections/`。
5. 起草后检查：`reportflow validate {r}`，改到没有“错误”为止；然后
   `pre-commit install`，`git add -A`，`git commit -m "..."`。
6. 审批：`reportflow signoff {r} --section <编号> --as <人员编号> --key ~/.ssh/reportflow`；
   最后 `reportflow signoff {r} --report --as party-secretary --key ~/.ssh/reportflow`。
   `reportflow gate {r}` 显示还差谁。
7. 发布和核验：`reportflow release {r}`（生成 Word/PDF/HTML，存档到 `archive/`，打标签），
   `reportflow verify {r}`。
"""


def _existing_repo(target: Path) -> bool:
    """Whether ``target`` is the top of a git work tree (a folder inside another repository
    is not: ``git init`` makes it a repository of its own, as git itself would)."""
    repo = gitio.find_repo(target)
    top = repo.working_tree_dir if repo is not None else None
    return top is not None and Path(top).resolve() == target.resolve()


def _check_target(target: Path) -> bool:
    """Refuse what init must not touch; True when ``target`` is an existing repository."""
    if target.exists() and not target.is_dir():
        raise InputError(
            f"{target} is a file, not a folder; nothing was written",
            hint="give the name of a new or empty folder, e.g. reportflow init reports",
        )
    if not target.exists() or not any(target.iterdir()):
        return False
    if not _existing_repo(target):
        raise InputError(
            f"the folder {target} is not empty and not a git repository; nothing was written",
            hint="give a new or empty folder (reportflow init reports), "
            "or run git init there first if its files belong in the reports repository",
        )
    if (target / CONTENT).exists():
        raise InputError(
            f"{target} already has a {CONTENT}/ folder; nothing was written",
            hint=f"it is a reports repository already: add a year with "
            f"reportflow new <report> <year> --into {target / CONTENT}",
        )
    hook = target / PRE_COMMIT
    if hook.exists() and HOOK_ID not in hook.read_text(encoding="utf-8", errors="replace"):
        raise InputError(
            f"{hook} exists without the {HOOK_ID} hook; nothing was written",
            hint="add the hook to it by hand (see reportflow's README, 'Your own report') "
            "and run reportflow init again, which then keeps your file",
        )
    return True


def _stage(
    staging: Path, target: Path, opts: OfficeOptions, report_dir: Path, in_repo: bool
) -> tuple[list[str], list[str]]:
    """Write every file into ``staging``; (entries to move into target, files kept)."""
    sections = scaffold.template_sections(opts.template, OWNER)
    text = report_yaml(opts, [s.id for s in sections])
    doc: dict[str, Any] = yaml.safe_load(text)
    folder = scaffold.write_report(staging / report_dir, doc, sections)  # schema-checked
    (folder / REPORT_FILE).write_text(text, encoding="utf-8")
    entries, kept = [CONTENT], []
    if (target / PRE_COMMIT).exists():
        kept.append(PRE_COMMIT)
    else:
        (staging / PRE_COMMIT).write_text(pre_commit_config(), encoding="utf-8")
        entries.append(PRE_COMMIT)
    old_ignore = target / GITIGNORE
    old = old_ignore.read_text(encoding="utf-8") if old_ignore.exists() else ""
    merged = gitignore(old)
    if merged == old and old:
        kept.append(GITIGNORE)
    else:
        (staging / GITIGNORE).write_text(merged, encoding="utf-8")
        entries.append(GITIGNORE)
    readme = README_BESIDE if (target / README).exists() else README
    (staging / readme).write_text(office_readme(opts, report_dir.as_posix()), encoding="utf-8")
    entries.append(readme)
    if not in_repo:
        gitio.init_repo(staging)
        entries.append(".git")
    return entries, kept


def _move_in(staging: Path, target: Path, entries: list[str]) -> None:
    """Move the staged entries into ``target``; on a failure put everything back as it was
    (a replaced .gitignore is restored from a copy)."""
    moved: list[str] = []
    backup = staging / ".old-gitignore"
    if GITIGNORE in entries and (target / GITIGNORE).exists():
        shutil.copy2(target / GITIGNORE, backup)
    try:
        for name in entries:
            os.replace(staging / name, target / name)
            moved.append(name)
    except BaseException:
        for name in reversed(moved):
            if name == GITIGNORE and backup.exists():
                os.replace(backup, target / GITIGNORE)
            elif (target / name).is_dir():
                shutil.rmtree(target / name, ignore_errors=True)
            else:
                (target / name).unlink(missing_ok=True)
        raise


def init_office(target: Path, opts: OfficeOptions) -> InitResult:
    """Create the office repository in ``target`` (a new or empty folder, or a git repository
    without reportflow content); refuse anything else before writing a byte."""
    scaffold.check_id(opts.report, "report id")
    scaffold.check_id(opts.template, "template")
    in_repo = _check_target(target)
    report_dir = Path(CONTENT) / opts.report / str(opts.year)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".reportflow-init-", dir=target))
    try:
        entries, kept = _stage(staging, target, opts, report_dir, in_repo)
        _move_in(staging, target, entries)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(target, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    written = [str(report_dir / REPORT_FILE)] + [e for e in entries if e not in (CONTENT, ".git")]
    return InitResult(target, report_dir, not in_repo, tuple(written), tuple(kept))
