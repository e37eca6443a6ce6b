source /tmp/i11/lib.sh; setup /tmp/i11/a5
P=$D/sections/02-problems.md
echo "四是副区长写的段落。" >> $P; commit deputy-head-1 "problems: dh1 writes"
sign --section problems --as deputy-head-1 --key $K/deputy-head-1 2>&1 | tail -1
$PY /tmp/i11/forge.py $D section:problems $(git rev-parse HEAD:$P) deputy-head-1 approve $(date -u +%Y-%m-%dT%H:%M:%S.000Z) $K/deputy-head-1 >/dev/null; commit deputy-head-1 "signoff (not counted)"
$RF gate $D | grep problems | head -2
sed -i 's/四是副区长写的段落。/四是副区长写的段落!/' $P; commit office-director "problems: punctuation"
sign --section problems --as deputy-head-1 --key $K/deputy-head-1 | tail -1
for s in preface situation measures; do sign --section $s --as deputy-head-1 --key $K/deputy-head-1 >/dev/null; done
sign --report --as party-secretary --key $K/party-secretary >/dev/null; $RF gate $D | head -4
