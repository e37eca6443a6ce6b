source /tmp/i11/lib.sh; setup /tmp/i11/a8
approve_all; $RF release $D | tail -1
echo "四是补充。" >> $D/sections/02-problems.md; commit office-director edit; approve_all deputy-head-2; $RF release $D | tail -1
V=archive/political-ecology/2022/v2; chmod u+w $V $V/*
$PY - <<'P'
import json, hashlib
from pathlib import Path
v=Path('archive/political-ecology/2022/v2'); pdf=v/'report.pdf'; b=pdf.read_bytes(); b=b.replace(b'/Producer', b'/Producxr',1) if b'/Producer' in b else b+b'%x\n'; pdf.write_bytes(b)
m=json.loads((v/'manifest.json').read_text())
for f in m['files']:
    if f['name']=='report.pdf': f['sha256']=hashlib.sha256(b).hexdigest(); f['size']=len(b)
from reportflow.release.release import manifest_bytes, tag_message
data=manifest_bytes(m); (v/'manifest.json').write_bytes(data)
Path('/tmp/i11/a8.msg').write_text(tag_message(m, hashlib.sha256(data).hexdigest(), str(v.resolve())))
P
c=$(git rev-parse political-ecology/2022/v2^{commit}); git tag -d political-ecology/2022/v2 >/dev/null
git tag -a political-ecology/2022/v2 $c -F /tmp/i11/a8.msg
echo "replaced:"; $RF verify $D --all | tail -1
echo "deleted newest:"; rm -rf $V; git tag -d political-ecology/2022/v2 >/dev/null; $RF verify $D --all | tail -1; $RF versions $D
