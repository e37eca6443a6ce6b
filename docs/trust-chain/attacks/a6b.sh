source /tmp/i11/lib.sh; setup /tmp/i11/a6b
approve_all
git checkout -q -b review
sign --section situation --as deputy-head-2 --key $K/deputy-head-2 --reject -m "数据错" >/dev/null
git checkout -q main; git commit -q --allow-empty -m wip
as office-director git merge -q -s ours --no-edit review
$RF gate $D | head -1
git log --oneline -- $D/signoffs | head -3; echo ---; git log --oneline --full-history -- $D/signoffs | head -3
