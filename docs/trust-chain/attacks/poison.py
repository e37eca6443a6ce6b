# poison.py DIR scope fp reviewer : writes a garbage-signature record and marks it valid in the cache
import sys, json, base64
from pathlib import Path
from reportflow.signoff import ledger, roster
d, scope, fp, who = sys.argv[1:5]
sig = "-----BEGIN SSH SIGNATURE-----\n" + base64.b64encode(b"garbage"*10).decode() + "\n-----END SSH SIGNATURE-----\n"
r = ledger.SignoffRecord("political-ecology", 2022, scope, fp, "0"*40, who, "approve", ledger.now_utc(), signature=sig)
p = Path(d)/"signoffs"/ledger.file_name(r); p.write_text(ledger.to_json(r))
import yaml
doc = yaml.safe_load((Path(d)/"report.yaml").read_text())
keys = doc["people"][who]["keys"]
cache = Path(sys.argv[5]); cache.parent.mkdir(parents=True, exist_ok=True)
entries = json.loads(cache.read_text()) if cache.exists() else {}
entries[ledger.VerifyCache.key(r, keys)] = "valid"; cache.write_text(json.dumps(entries)); print(p)
