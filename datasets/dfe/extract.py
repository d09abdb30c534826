"""Builds datasets/dfe/ from the project's copies of DfE's published files.

Rows are copied byte for byte (BOM, line endings, quoting and codes kept),
so that Attain's loaders are tested on the files exactly as DfE publishes
them. Usage: python datasets/dfe/extract.py /path/to/shared/data
"""

import shutil
import sys
from pathlib import Path

LAS = {"883", "845", "850"}  # Thurrock, East Sussex, Hampshire
REGIONS = {"E12000006", "E12000008"}  # East of England, South East
LAIT_AREAS = LAS | {"970", "985", "989"}  # England, East of England, South East

source = Path(sys.argv[1])
here = Path(__file__).parent


def lines(path):
    # Keep each line's own ending: the files mix CRLF, LF and an unterminated last line.
    return path.read_bytes().splitlines(keepends=True)


def fields(line):
    return line.decode("utf-8-sig").rstrip("\r\n").split(",")


def write(name, kept):
    (here / name).parent.mkdir(parents=True, exist_ok=True)
    (here / name).write_bytes(b"".join(kept))
    print(f"{name}: {len(kept) - 1} rows")


# Hampshire's school performance tables: whole files, as downloaded.
for name in [
    "2016-2017_850_ks2final.csv",
    "2017-2018_850_ks2final.csv",
    "2018-2019_850_ks2final.csv",
    "2016-2017_850_ks4final.csv",
    "2017-2018_850_ks4final.csv",
]:
    (here / "schools").mkdir(exist_ok=True)
    shutil.copyfile(source / "perf_tables_la_850" / name, here / "schools" / name)
    print(f"schools/{name}: copied")

# England KS4 2018/19 provisional: Thurrock's and East Sussex's schools and LA
# rows, and England's rows (RECTYPE 5, 7). The LEA column is the second.
rows = lines(source / "perf_tables_ks4_2019_england" / "england_ks4provisional.csv")
kept = [rows[0]] + [r for r in rows[1:] if fields(r)[1] in {"883", "845"} or fields(r)[0] in {"5", "7"}]
write("schools/2018-2019_883_845_ks4provisional.csv", kept)

# Children in need outcomes (EES): England, the two regions and the three LAs.
for name in ["ks2_la.csv", "ks4_la.csv"]:
    rows = lines(source / "dfe_csc_outcomes" / name)
    header = fields(rows[0])
    level, region, la = header.index("geographic_level"), header.index("region_code"), header.index("old_la_code")

    def keep(f):
        return f[level] == "National" or (f[level] == "Regional" and f[region] in REGIONS) or f[la] in LAS

    write(f"la/cla_outcomes_{name}", [rows[0]] + [r for r in rows[1:] if keep(fields(r))])

# EYFSP 2022 headline measures (EES): as above, with the LA districts kept
# (they carry their county's LA code, so a loader must skip them).
import csv
import io

rows = lines(source / "dfe_eyfsp_2022" / "1_eyfsp_headline_measures_2022.csv")
header = fields(rows[0])
level, region, la = header.index("geographic_level"), header.index("region_code"), header.index("old_la_code")
kept = [rows[0]]
for r in rows[1:]:
    f = next(csv.reader(io.StringIO(r.decode("utf-8"))))
    if f[level] == "National" or (f[level] == "Regional" and f[region] in REGIONS) or f[la] in LAS:
        kept.append(r)
write("la/eyfsp_headline_measures_2022.csv", kept)

# LAIT attainment (long): England, the two regions and the three LAs.
rows = lines(source / "dfe_lait" / "lait_la_attainment_long.csv")
kept = [rows[0]]
for r in rows[1:]:
    f = next(csv.reader(io.StringIO(r.decode("utf-8"))))
    if f[2] in LAIT_AREAS:
        kept.append(r)
write("la/lait_attainment_883_845_850.csv", kept)
