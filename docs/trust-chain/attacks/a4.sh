source /tmp/i11/lib.sh; setup /tmp/i11/a4
P=$D/sections/02-problems.md; S=$D/sections/01-situation.md
git checkout -q -b side; echo "补充一句。" >> $P; commit office-director "problems: more"
git checkout -q main; echo "补充二句。" >> $S; commit office-director "situation: more"
as deputy-head-1 git merge -q --no-ff --no-commit side; echo "四是由副区长在合并时加入的文字。" >> $P; git add -A
as deputy-head-1 git commit -q -m "Merge branch side"
approve_all deputy-head-1
$RF gate $D | head -1
$RF owners $D; $RF status $D --format json | python3 -c "import json,sys; d=json.load(sys.stdin); print([ (s['id'],s['contributors']) for s in d['sections']])"
