source /tmp/i11/lib.sh; setup /tmp/i11/a6
approve_all
$RF gate $D | head -2
# dh2 rejects situation
$RF signoff $D --section situation --as deputy-head-2 --key $K/deputy-head-2 --reject -m "数据错" >/dev/null
$RF gate $D | head -1
# attack: office-director removes the reject record
f=$(git log -1 --name-only --format= ); echo "reject file $f"
git rm -q $f; commit office-director "tidy"
echo "after git rm:"; $RF gate $D | head -1
git revert --no-edit HEAD >/dev/null; $RF gate $D | head -1
git mv $f $D/signoffs/.hidden; commit office-director "tidy2"
echo "after rename to dot-file:"; $RF gate $D ; $RF status $D --format json | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['approval']['passed'], d['approval']['problems'])"
$RF release $D | tail -1; $RF verify $D | tail -2
