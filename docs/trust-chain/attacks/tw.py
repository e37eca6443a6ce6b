import subprocess, time, statistics, sys
F="content/bench/2022"; cwd="/tmp/i11/bench/repo"
fmt="--format=%x1f%H%x1f%P%x1f%an%x1f%ae%x1f%ct%x1f%(trailers:key=Co-authored-by,valueonly,separator=%x1d)"
cases = {
 "baseline name-only": ["git","log","--name-only"],
 "today: raw sections+yaml": ["git","log","--no-renames","--raw","--no-abbrev","--format=%x1f%H%x1f%an%x1f%ae","HEAD","--",F+"/sections",F+"/report.yaml"],
 "one pass, no pathspec, -c": ["git","log","--no-renames","--raw","--no-abbrev","-c",fmt,"HEAD"],
 "one pass, folder, full-history -c": ["git","log","--no-renames","--raw","--no-abbrev","-c","--full-history",fmt,"HEAD","--",F],
 "one pass, folder, full-history -c --parents": ["git","log","--no-renames","--raw","--no-abbrev","-c","--full-history","--parents",fmt,"HEAD","--",F],
 "rev-list --parents": ["git","rev-list","--parents","HEAD"],
 "ls-tree signoffs": ["git","ls-tree","-r","HEAD","--",F+"/signoffs"],
}
times={k:[] for k in cases}
for r in range(int(sys.argv[1]) if len(sys.argv)>1 else 7):
    for k,c in cases.items():
        s=time.perf_counter(); out=subprocess.run(c,cwd=cwd,capture_output=True).stdout; times[k].append(time.perf_counter()-s)
        if r==0: print(k, len(out.splitlines()), "lines")
b=statistics.median(times["baseline name-only"])
for k,v in times.items(): print(f"{statistics.median(v):.3f} s  {statistics.median(v)/b:4.2f}x  {k}")
