source /tmp/i11/lib.sh; setup /tmp/i11/a9
C=/tmp/i11/a9/.git/reportflow/verified.json
for s in preface situation problems measures; do b=$(git rev-parse HEAD:$(ls $D/sections/*-$s.md)); $PY /tmp/i11/poison.py $D section:$s $b deputy-head-1 $C >/dev/null; done
commit office-director "records"
fp=$($PY -c "
from reportflow.signoff import approval; c=approval.load_context(__import__('pathlib').Path('$D')); print(c.facts.report_fingerprint)")
$PY /tmp/i11/poison.py $D report $fp party-secretary $C >/dev/null
commit office-director "final"
$RF gate $D | head -2; $RF release $D | tail -1; $RF verify $D | tail -1
rm $C; echo "cache removed:"; $RF verify $D | tail -3
