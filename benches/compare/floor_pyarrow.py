"""Python I/O floor: read the columns a gap table needs with pyarrow, nothing else.

Usage: python floor_pyarrow.py INPUT.parquet OUTPUT.parquet

No computation: the columns are decoded into memory and a one-row Parquet file
holding the number of pupils read is written to OUTPUT, so that the run leaves
evidence behind like every other contender. The time is the cost of starting
Python, importing pyarrow and decoding the input.
"""

import sys

import pyarrow as pa
import pyarrow.parquet as pq

COLUMNS = ["year", "urn", "la_code", "fsm", "disadvantaged", "sen", "cla", "ks2_read", "ks2_mat", "ks2_writ"]


def main(inp: str, out: str) -> None:
    table = pq.read_table(inp, columns=COLUMNS)
    pq.write_table(pa.table({"pupils": [table.num_rows]}), out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python floor_pyarrow.py INPUT.parquet OUTPUT.parquet")
    main(sys.argv[1], sys.argv[2])
