"""The benchmark measures legal hosts: design.md's cases are "the largest legal host" and legal configurations."""

from __future__ import annotations

import importlib.util
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
