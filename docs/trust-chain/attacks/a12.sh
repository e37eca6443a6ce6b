source /tmp/i11/lib.sh; setup /tmp/i11/a12
P=$D/sections/03-measures.md; head -5 $P > /tmp/i11/secret.md; echo "机密：服务器口令 hunter2" >> /tmp/i11/secret.md
rm $P; ln -s /tmp/i11/secret.md $P; commit office-director "measures as link"
git ls-tree HEAD $P
$RF validate $D | tail -2; echo "exit $?"
$RF render $D --to html --out /tmp/i11/a12out >/dev/null 2>&1; grep -c hunter2 /tmp/i11/a12out/report.html
$RF gate $D | grep measures | head -1
