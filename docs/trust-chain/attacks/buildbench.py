import sys; sys.path.insert(0, "/work/main/bench"); sys.path.insert(0, "/work/main")
from pathlib import Path
import bench_gate, shutil
root = Path("/tmp/i11/bench"); shutil.rmtree(root, ignore_errors=True); root.mkdir()
(root/"keys").mkdir(); keys = bench_gate.make_keys(root/"keys")
bench_gate.build(root/"repo", keys)
