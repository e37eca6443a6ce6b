import subprocess, sys, sshsig
def obj(kind, rev): return subprocess.run(["git","cat-file",kind,rev],capture_output=True,check=True).stdout
pub = open("/tmp/i11/keys/deputy-head-1.pub").read().split()[:2]
key = sshsig.PublicKey.from_openssh_str(" ".join(pub))
# commit: gpgsig header (continuation lines start with a space)
raw = obj("commit","HEAD"); lines = raw.split(b"\n"); payload=[]; sig=[]; i=0; inhdr=True
while i < len(lines):
    l = lines[i]
    if inhdr and l.startswith(b"gpgsig "):
        sig.append(l[7:]); i+=1
        while lines[i].startswith(b" "): sig.append(lines[i][1:]); i+=1
        continue
    if l == b"": inhdr=False
    payload.append(l); i+=1
sshsig.verify(b"\n".join(payload), b"\n".join(sig).decode(), [key], namespace="git"); print("commit signature verified in-process")
raw = obj("tag","r/2022/v1"); k = raw.index(b"-----BEGIN SSH SIGNATURE-----")
sshsig.verify(raw[:k], raw[k:].decode(), [key], namespace="git"); print("tag signature verified in-process")
