"""The benchmark of design.md: `python benchmarks/run.py [--runs N] [--quick]` (`--soundness [--count N]`: the large
soundness run of benchmarks/soundness.py instead).

Each case runs as a fresh process (so start-up counts, as a user sees it); the table shows the median wall time of
N runs, its ratio to the import floor (`python -c "import z3, networkx, rich"`), the peak resident memory, and
the design.md target. A second table shows how `check` grows with processors, queues and VPorts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import driver_tree, host  # noqa: E402

PYTHON = sys.executable
VMQPROOF = [PYTHON, "-m", "vmqproof.cli.main"]


@dataclass(frozen=True, slots=True)
class Measurement:
    seconds: float
    peak_mib: float
    exit_code: int


def run_once(command: Sequence[str]) -> Measurement:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    return Measurement(elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status))


def measure(command: Sequence[str], runs: int) -> Measurement:
    samples = [run_once(command) for _ in range(runs)]
    return Measurement(statistics.median(s.seconds for s in samples), max(s.peak_mib for s in samples),
                       samples[-1].exit_code)


def many_configs_script(directory: Path, count: int) -> list[str]:
    """One process checking `count` configurations through the library API."""
    code = (
        "import sys, pathlib, time\n"
        "from vmqproof.properties import check_file\n"
        f"paths = sorted(pathlib.Path({str(directory)!r}).glob('*.toml'))[:{count}]\n"
        "start = time.perf_counter()\n"
        "for path in paths: check_file(path)\n"
        "elapsed = time.perf_counter() - start\n"
        "print(f'{len(paths) / elapsed:.1f}', file=sys.stderr)\n"
    )
    return [PYTHON, "-c", code]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer sizes in the growth table")
    parser.add_argument("--soundness", action="store_true",
                        help="instead, the large soundness run (benchmarks/soundness.py: 20,000 per differential)")
    args, rest = parser.parse_known_args(argv)
    if args.soundness:
        from soundness import main as soundness
        return soundness(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    work = Path(tempfile.mkdtemp(prefix="vmqproof-bench-"))
    try:
        realistic = work / "realistic.toml"
        realistic.write_text(host(64, 1, 32, 64, 16), encoding="utf-8")
        largest = work / "largest.toml"
        largest.write_text(host(2048, 32, 1024, 2048, 256), encoding="utf-8")
        batch = work / "batch"
        batch.mkdir()
        for index in range(1000):
            (batch / f"c{index:04d}.toml").write_text(host(8 + index % 8, 1, 4 + index % 5, 8 + index % 8,
                                                           2 + index % 3), encoding="utf-8")

        tree_lines = driver_tree(work / "driver")
        floor = measure([PYTHON, "-c", "import z3, networkx, rich"], args.runs)
        cases: list[tuple[str, list[str], str]] = [
            ("check: realistic (16 VPorts, 64 CPUs, 32 queues, 64 vectors)",
             VMQPROOF + ["check", "--format", "json", str(realistic)], "≤ 2× floor"),
            ("check: largest (2048 CPUs / 32 groups, 1024 queues, 2048 vectors, 256 VPorts)",
             VMQPROOF + ["check", "--format", "json", str(largest)], "≤ 3 s, ≤ 1 GiB"),
        ]
        cases.append((f"check: a driver source tree of {tree_lines:,} C lines (read + check)",
                      VMQPROOF + ["check", "--format", "json", str(work / "driver")], "≤ 5 s, ≤ 500 MiB"))
        commands = subprocess.run(VMQPROOF + ["--help"], capture_output=True, text=True).stdout
        if "bands" in commands:
            cases.append(("bands: 1…1024 under every reading",
                          VMQPROOF + ["bands", "--max-queues", "1024", "--reading", "all", "--format", "json"],
                          "≤ 5 s"))
        if "synth" in commands:
            cases.append(("synth: 256 queues on 128 CPUs, NUMA and SMT",
                          VMQPROOF + ["synth", "--queues", "256", "--processors", "0:0-0:63,1:0-1:63", "--smt",
                                      "--numa", "0=0:0-0:63;1=1:0-1:63", "--numa-node", "0"], "≤ 5 s"))
        if "graph" in commands:
            cases.append(("graph: 2048 CPUs and 1024 queues to SVG",
                          VMQPROOF + ["graph", "--format", "svg", "-o", str(work / "g.svg"), str(largest)], "< 30 s"))
            if shutil.which("dot"):     # the pip-installable fallback too, when Graphviz took the case above
                cases.append(("graph: 2048 CPUs and 1024 queues to SVG (matplotlib)",
                              VMQPROOF + ["graph", "--format", "svg", "--engine", "matplotlib", "-o",
                                          str(work / "g-mpl.svg"), str(largest)], "< 30 s"))

        print(f"import floor: {floor.seconds:.3f} s ({floor.peak_mib:.0f} MiB)\n")
        print("| case | median s | × floor | peak MiB | exit | target |\n|---|---|---|---|---|---|")
        for name, command, target in cases:
            result = measure(command, args.runs)
            print(f"| {name} | {result.seconds:.3f} | {result.seconds / floor.seconds:.2f} | "
                  f"{result.peak_mib:.0f} | {result.exit_code} | {target} |")
        rates = [float(subprocess.run(many_configs_script(batch, 1000), capture_output=True,
                                      text=True, check=True).stderr) for _ in range(max(3, args.runs // 2))]
        print(f"| check: 1000 configs in one process (library API) | {1000 / statistics.median(rates):.3f} | — | — | "
              f"— | ≥ 100 configs/s: **{statistics.median(rates):.0f} configs/s** |")

        sizes = [(16, 1, 8, 4), (64, 1, 32, 16), (256, 4, 128, 64), (1024, 16, 512, 128), (2048, 32, 1024, 256)]
        if args.quick:
            sizes = sizes[::2]
        print("\n| processors | groups | queues | VPorts | median s | peak MiB |\n|---|---|---|---|---|---|")
        for processors, groups, queues, vports in sizes:
            path = work / f"grow-{processors}.toml"
            path.write_text(host(processors, groups, queues, processors, vports), encoding="utf-8")
            result = measure(VMQPROOF + ["check", "--format", "json", str(path)], max(1, args.runs // 2))
            print(f"| {processors} | {groups} | {queues} | {vports} | {result.seconds:.3f} | {result.peak_mib:.0f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
