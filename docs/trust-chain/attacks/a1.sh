source /tmp/i11/lib.sh; setup /tmp/i11/a1
Y=$D/report.yaml
$PY - <<'P'
import re
p='content/political-ecology/2022/report.yaml'; t=open(p).read()
t=t.replace("roles: [author]","roles: [author, deputy-head, party-secretary]").replace("separation_of_duties: true","separation_of_duties: false")
open(p,'w').write(t)
P
commit office-director "people: update"
git tag -a political-ecology/2022/v1 -m "manifest-sha256: x"
mkdir -p archive/political-ecology/2022/v1; echo '{}' > archive/political-ecology/2022/v1/manifest.json
git commit -q --allow-empty -m "tidy"   # a child of the tagged commit
$RF gate $D | head -1
for s in preface situation problems measures; do $RF signoff $D --section $s --as office-director --key $K/office-director >/dev/null; done
for s in preface situation problems measures; do :; done
$RF signoff $D --report --as office-director --key $K/office-director
$RF gate $D | head -1
$RF release $D | tail -2
$RF verify $D | tail -3
$RF verify $D --all | grep ✗ | head
