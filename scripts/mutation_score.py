"""Score of the last ``mutmut run``, per module, for bench/MUTATION.md.

Killed and timed-out mutants count as caught. Mutants listed in bench/mutation-equivalent.txt
(one name per line, ``#`` starts the reason) are left out of the total: they do not change
behaviour, and why is written next to each. mutmut itself prints one line per mutant; this
groups them by module, which is what the goals in bench/MUTATION.md are set per.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

CAUGHT = {"killed", "timeout"}


def equivalent(path: Path) -> set[str]:
    if not path.exists():
        return set()
    names = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return {n for n in names if n}


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    skip = equivalent(root / "bench" / "mutation-equivalent.txt")
    per: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[str] = []
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if not sep or "__mutmut_" not in name:
            continue
        module = re.split(r"\.x[_ǁ]", name)[0]  # module.x_function or module.xǁClassǁmethod
        if name in skip:
            per[module]["equivalent"] += 1
            continue
        per[module][status] += 1
        if status not in CAUGHT:
            survivors.append(f"{name}: {status}")
    print(f"{'module':40} {'mutants':>7} {'caught':>6} {'equiv':>5} {'score':>6}")
    for module in sorted(per):
        c = per[module]
        total = sum(v for k, v in c.items() if k != "equivalent")
        caught = sum(c[k] for k in CAUGHT)
        score = f"{100 * caught / total:.0f}%" if total else "-"
        print(f"{module:40} {total:7} {caught:6} {c['equivalent']:5} {score:>6}")
    if "-v" in sys.argv:
        print("\n".join(survivors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
