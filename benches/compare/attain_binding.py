"""The gap table through Attain's Python binding, as a contender.

Usage: python attain_binding.py INPUT.parquet OUTPUT.parquet
"""

import sys

import attain

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python attain_binding.py INPUT.parquet OUTPUT.parquet")
    attain.gaps(sys.argv[1], levels=("national", "la", "school"), disclosure="secure").write_parquet(sys.argv[2])
