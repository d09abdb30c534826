"""Time Attain against the gap table written in pandas, Polars and DuckDB.

Usage:
    python run.py --input ks2.parquet --attain target/release/attain \\
        --binding-python .venv/bin/python [--runs 5] [--peer-python PYTHON] [--io-floor BIN]

1. Attain's CLI writes the reference gap table once.
2. Every contender runs once; each peer's table (and the binding's) must equal
   the reference (check.py). A peer that disagrees stops the benchmark; the
   binding or an I/O floor that cannot run is reported as unavailable.
3. N interleaved rounds: each round runs every contender once, as its own
   process, in a rotated order. Wall time is measured around the process and
   peak RSS comes from wait4() for that process alone.
4. A Markdown table of medians, the machine and the package versions.

Needs only the standard library; the peers run under --peer-python, which
needs requirements.txt installed.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = {"pandas": "peer_pandas.py", "python-polars": "peer_polars.py", "duckdb": "peer_duckdb.py"}


@dataclass
class Contender:
    name: str
    argv: list[str]  # INPUT and OUTPUT are appended
    checked: bool  # output must equal Attain's gap table
    required: bool  # failure stops the benchmark
    note: str = ""
    available: bool = True
    walls: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)


@dataclass
class Run:
    returncode: int
    wall: float
    rss_mb: float
    stderr: str


def run_once(argv: list[str], log: Path) -> Run:
    """Run one process; wall time and its own peak resident set size."""
    with open(log, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
    text = log.read_text(errors="replace")
    # The floor loads its precomputed table before its clock starts and says
    # how long that took: that part is not the floor's work.
    for line in text.splitlines():
        if line.startswith("untimed_seconds="):
            wall -= float(line.split("=", 1)[1])
    return Run(proc.returncode, wall, usage.ru_maxrss / 1024, text[-3000:])


def contenders(args: argparse.Namespace) -> list[Contender]:
    py, attain = args.peer_python, args.attain
    cs = [Contender(name, [py, str(HERE / script)], checked=True, required=True) for name, script in PEERS.items()]
    cs += [
        # Like for like with the peers: primary suppression only (the peers
        # do no secondary suppression).
        Contender("attain CLI", [attain, "gaps", "--disclosure", "secure", "--pupils"], checked=True, required=True),
        Contender(
            "attain Python binding",
            [args.binding_python, str(HERE / "attain_binding.py")],
            checked=True,
            required=False,
        ),
        Contender("floor: pyarrow read", [py, str(HERE / "floor_pyarrow.py")], checked=False, required=False),
        Contender(
            "floor: io-floor (read input, write precomputed output)",
            [args.io_floor, "--table", args.reference, "--pupils"],
            checked=False,
            required=False,
        ),
    ]
    return cs


def command(c: Contender, inp: str, out: Path) -> list[str]:
    if c.argv[-1] == "--pupils":  # the CLI: attain <cmd> --pupils IN --out OUT
        return c.argv + [inp, "--out", str(out)]
    return c.argv + [inp, str(out)]


def output_path(work: Path, c: Contender) -> Path:
    return work / (c.name.replace(" ", "_").replace(":", "").replace("/", "_") + ".parquet")


def check(peer_python: str, out: Path, reference: Path) -> tuple[bool, str]:
    r = subprocess.run(
        [peer_python, str(HERE / "check.py"), str(out), str(reference)], capture_output=True, text=True
    )
    return r.returncode == 0, (r.stdout + r.stderr).strip()


def verify(cs: list[Contender], args: argparse.Namespace, work: Path, reference: Path) -> None:
    print("## Verification\n")
    for c in cs:
        out = output_path(work, c)
        out.unlink(missing_ok=True)
        r = run_once(command(c, args.input, out), work / "verify.log")
        if r.returncode != 0:
            msg = f"{c.name}: exit {r.returncode}\n{r.stderr}"
            if c.required:
                sys.exit(f"FAILED {msg}")
            c.available, c.note = False, f"unavailable (exit {r.returncode})"
            first = next((x for x in r.stderr.splitlines() if x.strip()), "")
            print(f"- {c.name}: unavailable (exit {r.returncode}: {first.strip()})")
            continue
        if not c.checked:
            print(f"- {c.name}: ran ({r.wall:.2f} s), output not compared (I/O floor)")
            continue
        ok, text = check(args.peer_python, out, reference)
        if not ok:
            if c.required:
                print(text, file=sys.stderr)
                sys.exit(f"FAILED {c.name}: its gap table differs from Attain's (see above)")
            c.available, c.note = False, "excluded: output differs from the CLI's"
            print(f"- {c.name}: output differs from the CLI's, excluded\n\n```\n{text}\n```")
            continue
        print(f"- {c.name}: {text.splitlines()[0]}")
    print()


def measure(cs: list[Contender], args: argparse.Namespace, work: Path) -> None:
    live = [c for c in cs if c.available]
    for i in range(args.runs):
        order = live[i % len(live) :] + live[: i % len(live)]  # rotate: no contender always goes first
        for c in order:
            out = output_path(work, c)
            out.unlink(missing_ok=True)
            r = run_once(command(c, args.input, out), work / "run.log")
            if r.returncode != 0:
                sys.exit(f"FAILED {c.name} in round {i + 1}: exit {r.returncode}\n{r.stderr}")
            c.walls.append(r.wall)
            c.rss_mb.append(r.rss_mb)
        print(f"round {i + 1}/{args.runs} done", file=sys.stderr)


def table(cs: list[Contender]) -> str:
    cli = next(c for c in cs if c.name == "attain CLI")
    base = statistics.median(cli.walls)
    lines = [
        "| contender | median wall (s) | median peak RSS (MB) | wall / attain CLI |",
        "|---|---:|---:|---:|",
    ]
    for c in cs:
        if not c.walls:
            lines.append(f"| {c.name} | {c.note or 'unavailable'} | | |")
            continue
        wall = statistics.median(c.walls)
        lines.append(f"| {c.name} | {wall:.3f} | {statistics.median(c.rss_mb):.0f} | {wall / base:.2f} |")
    return "\n".join(lines)


def probe(python: str, code: str) -> str:
    try:
        r = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120)
    except OSError as e:
        return f"({e})"
    return r.stdout.strip() if r.returncode == 0 else f"(failed: {r.stderr.strip().splitlines()[-1:]})"


def versions(code_packages: list[str]) -> str:
    return (
        "import importlib.metadata as m, platform\n"
        "out = ['Python ' + platform.python_version()]\n"
        f"for p in {code_packages!r}:\n"
        "    try: out.append(p + ' ' + m.version(p))\n"
        "    except m.PackageNotFoundError: out.append(p + ' (not installed)')\n"
        "print(', '.join(out))"
    )


def machine(args: argparse.Namespace) -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = ""
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024**2:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    attain_version = probe_cmd([args.attain, "--version"])
    rows = probe(
        args.peer_python,
        f"import pyarrow.parquet as pq; print(pq.ParquetFile({args.input!r}).metadata.num_rows)",
    )
    return "\n".join(
        [
            f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"- machine: {cpu}; {os.cpu_count()} logical cores ({usable} usable){mem}; {platform.platform()}",
            f"- load average before: {load()}",
            f"- input: {args.input} ({rows} pupils, {os.path.getsize(args.input) / 1e6:.1f} MB)",
            f"- attain CLI: {args.attain} ({attain_version})",
            f"- peers: {probe(args.peer_python, versions(['pandas', 'polars', 'pyarrow', 'duckdb', 'numpy', 'psutil']))}",
            f"- binding: {probe(args.binding_python, versions(['attain', 'polars']))}",
            f"- runs: {args.runs} interleaved rounds; medians; RSS = peak resident set of the process, MB = 2^20 bytes",
        ]
    )


def probe_cmd(argv: list[str]) -> str:
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return r.stdout.strip() or r.stderr.strip()
    except OSError as e:
        return f"({e})"


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def strip_priors(python: str, path: str, work: Path) -> str:
    out = work / "input.parquet"
    code = (
        "import pyarrow.parquet as pq, sys; t = pq.read_table(sys.argv[1]); "
        "t = t.drop_columns([c for c in ('ks1_aps', 'ks2_prior') if c in t.column_names]); "
        "pq.write_table(t, sys.argv[2], row_group_size=t.num_rows)"
    )
    subprocess.run([python, "-c", code, path, str(out)], check=True)
    return str(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", required=True, help="national KS2 pupil Parquet file")
    ap.add_argument("--attain", required=True, help="the attain CLI binary")
    ap.add_argument("--binding-python", required=True, help="a Python that can import attain")
    ap.add_argument("--io-floor", help="the io-floor binary (default: beside --attain)")
    ap.add_argument("--runs", type=int, default=5, help="interleaved timing rounds (default 5)")
    ap.add_argument("--peer-python", default=sys.executable, help="a Python with requirements.txt installed")
    ap.add_argument("--workdir", help="where outputs go (default: a temporary folder, removed afterwards)")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    args.input = str(Path(args.input).resolve())
    args.attain = str(Path(args.attain).resolve())
    args.io_floor = str(Path(args.io_floor or Path(args.attain).with_name("io-floor")).resolve())

    work = Path(args.workdir or tempfile.mkdtemp(prefix="attain-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print("# Attain gap table benchmark\n")
        print(machine(args) + "\n")
        busy = float(load().split()[0]) if load() != "unknown" else 0.0
        if busy > 0.5:
            print(f"**warning: the machine is busy (1-minute load {busy}); timings will be noisy.**\n")
        reference = work / "reference.parquet"
        args.reference = str(reference)
        # The peers compute the four attainment measures: prior attainment
        # columns are dropped from the input, so that no contender computes
        # progress (Attain's progress costs are measured on their own).
        args.input = strip_priors(args.peer_python, args.input, work)
        cs = contenders(args)

        r = run_once(
            [args.attain, "gaps", "--disclosure", "secure", "--pupils", args.input, "--out", str(reference)],
            work / "reference.log",
        )
        if r.returncode != 0:
            sys.exit(f"FAILED: attain gaps exited {r.returncode}\n{r.stderr}")
        verify(cs, args, work, reference)
        measure(cs, args, work)

        print("## Results\n")
        print(table(cs))
        print(f"\nload average after: {load()}")
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
