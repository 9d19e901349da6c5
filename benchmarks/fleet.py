"""The fleet benchmark of issue 17: `python benchmarks/fleet.py [--files 10000] [--sizes 100,1000]`.

Generates `--files` small legal hosts (the 1000-config case's generator) and checks them as a user would, each
command a fresh process:

- `check --jobs 2` and `check --dask local:2` (a LocalCluster of 2 worker processes in the client's process tree);
- `check --dask tcp://…` and `fleet --dask tcp://…` against a scheduler and 2 workers started with the `dask
  scheduler` / `dask worker` commands, so that the peak memory measured is the client's alone.

Checks use `--format sarif` (the renderer holds only findings, so the runners are what is measured), plus one
`--format json` run for the client's memory with the renderer that holds every result. The per-task overhead is
the worker time a file costs beyond checking it in one process: (wall × workers) / files − in-process time per file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import host  # noqa: E402
from run import PYTHON, VMQPROOF, Measurement, run_once  # noqa: E402

WORKERS = 2


def generate(folder: Path, count: int) -> None:
    folder.mkdir()
    for index in range(count):
        (folder / f"h{index:05d}.toml").write_text(host(8 + index % 8, 1, 4 + index % 5, 8 + index % 8,
                                                        2 + index % 3), encoding="utf-8")


def in_process_rate(folder: Path, count: int) -> float:
    """Files per second checking `count` of the files in one process through the library API."""
    code = (
        "import sys, pathlib, time\n"
        "from vmqproof.properties import check_file\n"
        f"paths = sorted(pathlib.Path({str(folder)!r}).glob('*.toml'))[:{count}]\n"
        "start = time.perf_counter()\n"
        "for path in paths: check_file(path)\n"
        "print(len(paths) / (time.perf_counter() - start))\n"
    )
    return float(subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True).stdout)


@contextmanager
def dask_cluster(work: Path) -> Iterator[str]:
    """A scheduler and WORKERS single-threaded worker processes on loopback, started with Dask's own commands."""
    dask = str(Path(PYTHON).with_name("dask"))
    scheduler_file = work / "scheduler.json"
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(scheduler_file)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text(encoding="utf-8"))["address"]
        workers = subprocess.Popen([dask, "worker", "--scheduler-file", str(scheduler_file), "--nworkers",
                                    str(WORKERS), "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait = ("from distributed import Client\n"
                f"with Client({address!r}, timeout=60) as c: c.wait_for_workers({WORKERS}, timeout=60)\n")
        subprocess.run([PYTHON, "-c", wait], check=True)
        yield address
    finally:
        for process in (workers, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)


def row(name: str, files: int, measured: Measurement, per_file_s: float) -> str:
    rate = files / measured.seconds
    overhead_ms = (measured.seconds * WORKERS / files - per_file_s) * 1000
    return (f"| {name} | {files} | {measured.seconds:.2f} | {rate:.0f} | {overhead_ms:.2f} | "
            f"{measured.peak_mib:.0f} | {measured.exit_code} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--sizes", default="100,1000", help="smaller runs, comma-separated, for the crossover")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="vmqproof-fleet-"))
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s} | {args.files})
        folders = {}
        for size in sizes:
            folders[size] = work / f"hosts-{size}"
            generate(folders[size], size)
        per_file_s = 1 / in_process_rate(folders[args.files], min(args.files, 1000))
        print(f"in one process: {1 / per_file_s:.0f} files/s ({per_file_s * 1000:.2f} ms per file)\n")
        print("| runner | files | wall s | files/s | overhead ms/task | peak MiB | exit |\n|---|---|---|---|---|---|---|")
        walls: dict[str, dict[int, float]] = {}
        for size in sizes:
            folder = str(folders[size])
            for name, runner in (("check --jobs 2", ["--jobs", "2"]), ("check --dask local:2", ["--dask", "local:2"])):
                measured = run_once(VMQPROOF + ["check", "--format", "sarif", *runner, folder])
                walls.setdefault(name, {})[size] = measured.seconds
                print(row(name, size, measured, per_file_s), flush=True)
        small, large = sizes[-2:] if len(sizes) > 1 else (0, sizes[0])
        print(f"\nfrom {small} to {large} files: the cost of one more file and the fixed cost of a run\n")
        print("| runner | ms per file (wall) | overhead ms/task | fixed s |\n|---|---|---|---|")
        for name, wall in walls.items():
            marginal = (wall[large] - wall.get(small, 0.0)) / (large - small)
            print(f"| {name} | {marginal * 1000:.2f} | {(marginal * WORKERS - per_file_s) * 1000:.2f} | "
                  f"{wall[large] - marginal * large:.2f} |")
        print("\n| runner | files | wall s | files/s | overhead ms/task | peak MiB | exit |\n|---|---|---|---|---|---|---|")
        folder = str(folders[args.files])
        with dask_cluster(work) as address:
            for name, command in (
                    ("check --dask tcp:// (client alone), sarif", ["check", "--format", "sarif"]),
                    ("check --dask tcp:// (client alone), json", ["check", "--format", "json"]),
                    ("fleet --dask tcp:// (client alone), json", ["fleet", "--format", "json"])):
                measured = run_once(VMQPROOF + [*command, "--dask", address, folder])
                print(row(name, args.files, measured, per_file_s), flush=True)
        measured = run_once(VMQPROOF + ["check", "--format", "json", "--jobs", "2", folder])
        print(row("check --jobs 2, json", args.files, measured, per_file_s), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
