source /tmp/i11/lib.sh; setup /tmp/i11/a7
for s in preface problems measures; do sign --section $s --as deputy-head-1 --key $K/deputy-head-1 >/dev/null; done
blob=$(git rev-parse HEAD:$D/sections/01-situation.md)
$PY /tmp/i11/forge.py $D section:situation $blob deputy-head-1 approve 2999-01-01T00:00:00.000Z $K/deputy-head-1
commit deputy-head-1 "signoff"
sign --section situation --as deputy-head-2 --key $K/deputy-head-2 --reject -m 不同意 >/dev/null
sign --report --as party-secretary --key $K/party-secretary; $RF gate $D | head -3
