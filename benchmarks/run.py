"""Run the benchmarks side by side and print Markdown tables of wall time and peak memory.

Every command runs as its own process measured by ``/usr/bin/time -v`` (best wall time of
``--repeat`` runs, the largest peak resident memory), so start-up and imports count as a user
sees them. For each size N: pyarrow parsing the CSV (the floor), ``ipss-survey analyze --group
group --format json,csv`` (every statistic, no charts), the same run weighted and stratified,
the hand-written Python baseline (``baseline.py``: pandas, pingouin, scipy), R's
(``baseline.R``: psych and kruskal.test; skipped with a note where ``Rscript`` or psych is
missing) and ``ipss-survey compare`` of two waves. Then the small runs (the bundled
senior-manager sample, and 1,000 respondents with every output), the CLI's start-up and an
import profile. Timings are measurements for the notes, never assertions.

    python benchmarks/run.py --sizes 1000 1000000 --data benchmarks/data --repeat 3
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PARSE = "import sys, pyarrow.csv as pc; t = pc.read_csv(sys.argv[1]); print(t.num_rows)"
JSON_CSV = ["--format", "json,csv"]


# Children import from cached bytecode, as an installed tool does (a shell that sets
# PYTHONDONTWRITEBYTECODE would otherwise have every run compile the package's source).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command, from GNU time."""
    out = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=False, env=ENV
    )
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


def startup(args: list[str], repeat: int = 11) -> str:
    """Best and median wall seconds of a quick command (as text): the best, as for every
    other row; the median, since a command this short is at the mercy of the machine."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True, env=ENV)
        times.append(time.perf_counter() - t)
    return f"{min(times):.3f} s (median {statistics.median(times):.3f} s of {repeat})"


def r_available() -> str | None:
    """Why the R baseline cannot run here, or None when it can."""
    if shutil.which("Rscript") is None:
        return "Rscript not found"
    found = subprocess.run(
        ["Rscript", "-e", "quit(status = !requireNamespace('psych', quietly = TRUE))"],
        capture_output=True,
        check=False,
    )
    return None if found.returncode == 0 else "R package psych not installed"


def cell(figure: tuple[float, float] | None) -> str:
    return "-" if figure is None else f"{figure[0]:.2f} ({figure[1]:.0f})"


def import_profile(cli: str, data: Path, top: int = 12) -> list[tuple[str, float]]:
    """The heaviest top-level imports (cumulative seconds) of one ``analyze`` run."""
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [
                *(sys.executable, "-X", "importtime", "-m", "ipss_survey", "analyze", str(data)),
                *("-i", "ipss-senior-managers", "--group", "municipality"),
                *("--format", "json,csv", "--out", out),
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
            env=ENV,
        )
    rows = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and len(m.group(2)) <= 2:  # top-level imports and their direct children
            rows.append((m.group(3), int(m.group(1)) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000, 1000000])
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--repeat", type=int, default=1, help="best of R runs per command")
    parser.add_argument("--no-baseline", action="store_true", help="skip the baselines")
    parser.add_argument("--no-compare", action="store_true", help="skip the wave comparisons")
    args = parser.parse_args()
    py = sys.executable
    cli = str(Path(py).with_name("ipss-survey"))
    sys.path.insert(0, str(HERE))
    from generate import generate

    subprocess.run([cli, "--help"], capture_output=True, check=True, env=ENV)  # bytecode cached
    no_r = "skipped" if args.no_baseline else r_available()
    rows = []
    for n in args.sizes:
        csv = args.data / f"dtcaf-{n}.csv"
        wave2 = args.data / f"dtcaf-{n}-wave2.csv"
        if not csv.exists():
            generate(n, args.data)
        if not args.no_compare and not wave2.exists():
            generate(n, args.data, seed=2027, stem=wave2.stem)
        analyze = [cli, "analyze", str(csv), "--instrument", "dtcaf", "--group", "group"]
        with tempfile.TemporaryDirectory() as out:
            parse = best_of([py, "-c", PARSE, str(csv)], args.repeat)
            ours = best_of([*analyze, *JSON_CSV, "--out", out], args.repeat)
            design = ["--weight", "weight", "--strata", "stratum"]
            weighted = best_of([*analyze, *design, *JSON_CSV, "--out", out], args.repeat)
            compared = None
            if not args.no_compare:
                compare = [cli, "compare", str(csv), str(wave2), "--instrument", "dtcaf"]
                compared = best_of([*compare, *JSON_CSV, "--out", out], args.repeat)
        base = r_base = None
        if not args.no_baseline:
            base = best_of([py, str(HERE / "baseline.py"), str(csv)], args.repeat)
        if no_r is None:
            r_base = best_of(["Rscript", str(HERE / "baseline.R"), str(csv)], args.repeat)
        rows.append((n, parse, ours, weighted, base, r_base, compared))

    print(
        "| respondents | pyarrow parse s | analyze s (MB) | analyze / parse | "
        "weighted, stratified s (MB) | weighted / unweighted | Python baseline s (MB) | "
        "baseline / analyze | R s (MB) | R / analyze | compare 2 waves s (MB) | "
        "compare / analyze |"
    )
    print("|---:|" + "---:|" * 11)
    for n, parse, ours, weighted, base, r_base, compared in rows:
        ratio = f"{base[0] / ours[0]:.1f}x" if base else "-"
        r_ratio = f"{r_base[0] / ours[0]:.1f}x" if r_base else "-"
        c_ratio = f"{compared[0] / ours[0]:.2f}" if compared else "-"
        print(
            f"| {n:,} | {parse[0]:.2f} | {cell(ours)} | {ours[0] / parse[0]:.2f} | "
            f"{cell(weighted)} | {weighted[0] / ours[0]:.2f} | {cell(base)} | {ratio} | "
            f"{cell(r_base)} | {r_ratio} | {cell(compared)} | {c_ratio} |"
        )
    if no_r:
        print(f"\nR baseline: {no_r}.")

    sample = REPO / "data" / "ipss-senior-managers-sample.csv"
    small = args.data / "dtcaf-1000.csv"
    if not small.exists():
        generate(1000, args.data)
    managers = [cli, "analyze", str(sample), "--instrument", "ipss-senior-managers"]
    managers += ["--group", "municipality"]
    thousand = [cli, "analyze", str(small), "--instrument", "dtcaf", "--group", "group"]
    repeat = max(args.repeat, 3)
    with tempfile.TemporaryDirectory() as out:
        m_json = best_of([*managers, *JSON_CSV, "--out", out], repeat)
        m_all = best_of([*managers, "--out", out], repeat)
        t_all = best_of([*thousand, "--out", out], repeat)
    print("\n| run | s (MB) |\n|---|---:|")
    print(f"| senior-manager sample (66 rows, 15 municipalities), json,csv | {cell(m_json)} |")
    print(f"| senior-manager sample, every output | {cell(m_all)} |")
    print(f"| 1,000 x 94, 50 groups, every output | {cell(t_all)} |")
    print(
        f"\n`ipss-survey --help`: {startup([cli, '--help'])}; "
        f"`ipss-survey instruments list`: {startup([cli, 'instruments', 'list'])}"
    )
    print("\nImports of `analyze` on the senior-manager sample (cumulative s):\n")
    print("| module | s |\n|---|---:|")
    for name, seconds in import_profile(cli, sample):
        print(f"| {name} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
