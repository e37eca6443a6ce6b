set -e
RF=/work/main/.venv/bin/reportflow
PY=/work/main/.venv/bin/python
K=/tmp/i11/keys
export GIT_CONFIG_NOSYSTEM=1 HOME=/tmp/i11/home XDG_CACHE_HOME=/tmp/i11/home/.cache
mkdir -p $HOME; export GIT_CONFIG_GLOBAL=$HOME/.gitconfig; git config --global user.name clerk; git config --global user.email clerk@example.gov.cn
as() { local p=$1; shift; GIT_AUTHOR_NAME=$p GIT_AUTHOR_EMAIL=$p@example.gov.cn GIT_COMMITTER_NAME=$p GIT_COMMITTER_EMAIL=$p@example.gov.cn "$@"; }
commit() { local p=$1; shift; git add -A; as $p git commit -q -m "$*"; }
setup() {  # $1 dir
  rm -rf $1; mkdir -p $1; cd $1; git init -q -b main
  mkdir -p content/political-ecology; cp -r /work/main/content/political-ecology/2022 content/political-ecology/
  echo archive/ > .gitignore
  commit office-director import
  D=content/political-ecology/2022
  for f in $D/sections/*.md; do sed -i 's/\\\*\\\*\\\*/12/g; s/\\\*\\\*/某/g' $f; done
  commit office-director "fill figures"
}
sign() { $RF signoff $D "$@"; }  # sign --section x --as p --key
approve_all() { for s in preface situation problems measures; do $RF signoff $D --section $s --as ${1:-deputy-head-1} --key $K/${1:-deputy-head-1} >/dev/null; done; $RF signoff $D --report --as party-secretary --key $K/party-secretary >/dev/null; }
