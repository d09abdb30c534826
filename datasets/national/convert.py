"""Converts shared/data/national_reference.csv (see its PROVENANCE.md) into
Attain's national reference format: phase, year, measure, group, value, source.

Run from the repository root: python3 datasets/national/convert.py PATH/TO/national_reference.csv
Measures Attain does not compute (the disadvantage gap index) are left out.
"""
import csv
import sys

MEASURES = {
    ("EYFS", "pct_gld"): ("eyfs", "eyfs.gld"),
    ("phonics", "pct_meeting_expected_y1"): ("phonics", "phonics.met"),
    ("KS1", "pct_expected_reading"): ("ks1", "ks1.read_exp"),
    ("KS1", "pct_expected_writing"): ("ks1", "ks1.writ_exp"),
    ("KS1", "pct_expected_maths"): ("ks1", "ks1.mat_exp"),
    ("KS2", "pct_expected_rwm"): ("ks2", "ks2.rwm_exp"),
    ("KS2", "pct_higher_rwm"): ("ks2", "ks2.rwm_high"),
    ("KS4", "avg_attainment8"): ("ks4", "ks4.att8"),
    ("KS4", "pct_grade4plus_eng_maths"): ("ks4", "ks4.basics4"),
    ("KS4", "pct_grade5plus_eng_maths"): ("ks4", "ks4.basics5"),
}
GROUPS = {"ehc_plan": "ehcp"}

source = sys.argv[1]
with open(source, newline="", encoding="utf-8-sig") as f:
    rows = list(csv.DictReader(f))
out = csv.writer(open("datasets/national/national.csv", "w", newline=""), lineterminator="\n")
out.writerow(["phase", "year", "measure", "group", "value", "source"])
kept = skipped = 0
for row in rows:
    key = (row["phase"], row["measure"])
    if key not in MEASURES:
        skipped += 1
        continue
    phase, measure = MEASURES[key]
    group = GROUPS.get(row["group"], row["group"])
    out.writerow([phase, row["year"], measure, group, row["value"], row["source"]])
    kept += 1
print(f"kept {kept} rows, left out {skipped} (measures Attain does not compute)")
