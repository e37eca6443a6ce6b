source /tmp/i11/lib.sh; setup /tmp/i11/a10
P=$D/sections/02-problems.md
approve_all; $RF release $D | tail -1
echo "四是书记加入的一段。" >> $P; commit party-secretary "problems: the secretary's paragraph"
sign --section problems --as deputy-head-2 --key $K/deputy-head-2 >/dev/null
sign --report --as party-secretary --key $K/party-secretary | tail -1; $RF gate $D | head -1
echo "--- dead end:"
setup /tmp/i11/a10b
echo "x" >> $D/sections/02-problems.md; commit deputy-head-1 "dh1 edit"; echo "y" >> $D/sections/02-problems.md; commit deputy-head-2 "dh2 edit"
for s in preface situation measures; do sign --section $s --as deputy-head-1 --key $K/deputy-head-1 >/dev/null; done
$RF gate $D | grep problems
