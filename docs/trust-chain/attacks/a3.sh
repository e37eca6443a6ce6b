source /tmp/i11/lib.sh; setup /tmp/i11/a3
approve_all; $RF release $D | tail -1
$RF new political-ecology 2023 --from $D --into content >/dev/null 2>&1 || true
ls content/political-ecology/
E=content/political-ecology/2023
$PY -c "import yaml;p=\"$E/report.yaml\";d=yaml.safe_load(open(p));d[\"people\"][\"office-director\"][\"roles\"]=[\"author\",\"deputy-head\",\"party-secretary\"];d[\"policy\"][\"separation_of_duties\"]=False;yaml.safe_dump(d,open(p,\"w\"),allow_unicode=True)"
for f in $E/sections/*.md; do sed -i 's/\\\*\\\*\\\*/12/g; s/\\\*\\\*/某/g' $f; done
commit office-director "open 2023"
for s in preface situation problems measures; do $RF signoff $E --section $s --as office-director --key $K/office-director >/dev/null; done
$RF signoff $E --report --as office-director --key $K/office-director
$RF gate $E | head -1; $RF release $E | tail -1; $RF verify $E | tail -1
