source /tmp/i11/lib.sh; setup /tmp/i11/a11
P=$D/sections/02-problems.md
echo "四是副区长以他人名义写的。" >> $P
git add -A; GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=office-director@example.gov.cn GIT_COMMITTER_NAME=x GIT_COMMITTER_EMAIL=office-director@example.gov.cn git commit -q -m "problems"
approve_all deputy-head-1; $RF gate $D | head -1
