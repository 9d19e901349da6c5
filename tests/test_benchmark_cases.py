"""The benchmark measures legal hosts: design.md's cases are "the largest legal host" and legal configurations; its
soundness run (`--soundness`) reports every differential."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _support import ROOT, run  # noqa: E402


def _cases():
    spec = importlib.util.spec_from_file_location("benchmark_cases", ROOT / "benchmarks" / "cases.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _host_generator():
    return _cases().host


@pytest.mark.parametrize("processors,groups,queues,vectors,vports",
                         [(9, 1, 5, 9, 3), (64, 1, 32, 64, 16), (256, 4, 128, 256, 64)])
def test_generated_hosts_pass_strict_check(processors: int, groups: int, queues: int, vectors: int, vports: int,
                                           tmp_path: Path) -> None:
    path = tmp_path / "host.toml"
    path.write_text(_host_generator()(processors, groups, queues, vectors, vports), encoding="utf-8")
    code, out, err = run(["check", "--strict", "--format", "plain", str(path)])
    assert code == 0, out + err


def test_generated_driver_tree_has_the_size_and_is_legal(tmp_path: Path) -> None:
    lines = _cases().driver_tree(tmp_path / "driver")
    assert lines >= 50_000
    assert sum(p.read_text().count("\n") for p in (tmp_path / "driver").iterdir()) == lines
    code, out, err = run(["check", "--format", "plain", str(tmp_path / "driver")])
    assert code == 0, out + err


def test_soundness_run_prints_each_differential() -> None:
    """`benchmarks/run.py --soundness` (the large run, here on 4 configurations) prints one line per differential with
    its counts, disagreements and rate, and exits 0 when none disagrees."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--soundness", "--count", "4"],
                          capture_output=True, text=True, encoding="utf-8", timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["concrete", "symbolic vs folded", "enumerated completions"]
    assert all(re.search(r"[,;] 0 disagreements, .* configurations/s\)$", line) for line in lines), lines
