# forge.py DIR scope fingerprint reviewer decision time key -> writes a signed record file (no checks)
import sys, json
from pathlib import Path
from reportflow.signoff import ledger
d, scope, fp, who, dec, t, key = sys.argv[1:8]
commit = "0"*40
r = ledger.SignoffRecord("political-ecology", 2022, scope, fp, commit, who, dec, t, channel="cli")
r = ledger.SignoffRecord(**{**r.to_dict(), "signature": ledger.sign(r.payload(), Path(key))})
p = Path(d)/"signoffs"/ledger.file_name(r); p.parent.mkdir(exist_ok=True); p.write_text(ledger.to_json(r)); print(p)
