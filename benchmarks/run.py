"""Run the benchmarks side by side and print a Markdown table of wall time and peak memory.

For each size N it times, as separate processes measured by ``/usr/bin/time -v``:
pyarrow parsing the CSV (the floor), the hand-written baseline (``baseline.py``: pandas,
pingouin, scipy) and ``ipss-survey analyze --group group --format json,csv`` (every statistic,
no charts). It also times the full run with charts and HTML at 1,000 respondents and the CLI's
start-up. Timings are measurements for the notes, never assertions.

    python benchmarks/run.py --sizes 1000 10000 100000 1000000 --data benchmarks/data
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARSE = "import sys, pyarrow.csv as pc; t = pc.read_csv(sys.argv[1]); print(t.num_rows)"


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command, from GNU time."""
    out = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", out.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
    assert wall and rss
    hours, minutes, seconds = wall.groups()
    total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return total, int(rss.group(1)) / 1024


def best_of(cmd: list[str], repeat: int) -> tuple[float, float]:
    runs = [measure(cmd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def startup(args: list[str], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000, 1000000])
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=1, help="best of R runs per command")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    py = sys.executable
    cli = str(Path(py).with_name("ipss-survey"))
    sys.path.insert(0, str(HERE))
    from generate import generate

    rows = []
    for n in args.sizes:
        csv = args.data / f"dtcaf-{n}.csv"
        if not csv.exists():
            generate(n, args.data)
        with tempfile.TemporaryDirectory() as out:
            parse = best_of([py, "-c", PARSE, str(csv)], args.repeat)
            ours = best_of(
                [
                    cli,
                    "analyze",
                    str(csv),
                    "--instrument",
                    "dtcaf",
                    "--group",
                    "group",
                    "--format",
                    "json,csv",
                    "--out",
                    out,
                ],
                args.repeat,
            )
            weighted = best_of(
                [
                    cli,
                    "analyze",
                    str(csv),
                    "--instrument",
                    "dtcaf",
                    "--group",
                    "group",
                    "--weight",
                    "weight",
                    "--strata",
                    "stratum",
                    "--format",
                    "json,csv",
                    "--out",
                    out,
                ],
                args.repeat,
            )
        base = (
            None
            if args.no_baseline
            else best_of([py, str(HERE / "baseline.py"), str(csv)], args.repeat)
        )
        rows.append((n, parse, ours, base, weighted))

    print(
        "| respondents | pyarrow parse s | analyze s (MB) | analyze / parse | "
        "baseline s (MB) | baseline / analyze | weighted, stratified s (MB) | weighted / "
        "unweighted |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, parse, ours, base, weighted in rows:
        b = f"{base[0]:.2f} ({base[1]:.0f})" if base else "-"
        ratio = f"{base[0] / ours[0]:.1f}x" if base else "-"
        print(
            f"| {n:,} | {parse[0]:.2f} | {ours[0]:.2f} ({ours[1]:.0f}) | "
            f"{ours[0] / parse[0]:.2f} | {b} | {ratio} | {weighted[0]:.2f} "
            f"({weighted[1]:.0f}) | {weighted[0] / ours[0]:.2f} |"
        )

    small = args.data / "dtcaf-1000.csv"
    if not small.exists():
        generate(1000, args.data)
    with tempfile.TemporaryDirectory() as out:
        full = best_of([cli, "analyze", str(small), "--group", "group", "--out", out], 3)
    print(
        f"\nFull run with charts, HTML, Excel at 1,000 respondents: {full[0]:.2f} s, "
        f"{full[1]:.0f} MB peak"
    )
    print(
        f"`ipss-survey --help`: {startup([cli, '--help']):.3f} s; "
        f"`ipss-survey instruments list`: {startup([cli, 'instruments', 'list']):.3f} s "
        "(median of 7)"
    )


if __name__ == "__main__":
    main()
