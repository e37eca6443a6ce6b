source /tmp/i11/lib.sh; setup /tmp/i11/a2
$RF gate $D | grep -c "deputy-head" 
git checkout -q --orphan evil; git rm -rq --cached .; mv content /tmp/i11/a2.content; mkdir -p $D
cp /tmp/i11/a2.content/political-ecology/2022/report.yaml $D/
sed -i 's/roles: \[author\]/roles: [author, deputy-head, party-secretary]/; s/separation_of_duties: true/separation_of_duties: false/' $D/report.yaml
git add $D/report.yaml; GIT_COMMITTER_DATE="2020-01-01T00:00:00" as office-director git commit -q --date=2020-01-01T00:00:00 -m "old import"
rm -rf content; mv /tmp/i11/a2.content content
git checkout -q -f main
git merge -q --allow-unrelated-histories --no-commit evil 2>/dev/null || true
git checkout evil -- $D/report.yaml; commit office-director "Merge branch evil"
git log --oneline -- $D/report.yaml
for s in preface situation problems measures; do $RF signoff $D --section $s --as office-director --key $K/office-director >/dev/null; done
$RF signoff $D --report --as office-director --key $K/office-director
$RF gate $D | head -1; $RF release $D | tail -1; $RF verify $D | tail -1
