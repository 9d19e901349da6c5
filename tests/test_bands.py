"""`bands`: every row 1…1024 under every reading equals the closed forms of rules.md A1 (written here
independently), each row's minimality proof re-checks on a fresh solver, and the CLI contract and golden output."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import z3
from vmqproof.properties.queries.bands import TABLE_SIZE, compress, compute_bands

sys.path.insert(0, str(Path(__file__).parent))
from _support import run  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("VMQPROOF_UPDATE_GOLDEN") == "1"
READINGS = ("R1", "R2a", "R2b", "R3", "R4")


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def closed_form(reading: str, q: int) -> int:
    """rules.md §4 A1, table of readings."""
    if reading == "R1":
        return 1 if q <= 16 else 16 if q <= 64 else 32
    if reading == "R2a":
        return q if q <= 16 else max(16, ceil_div(q, 2)) if q <= 64 else 32
    if reading == "R2b":
        return q if q <= 16 else max(16, ceil_div(q, 2)) if q <= 64 else max(32, ceil_div(q, 2))
    if reading == "R3":
        return q if q <= 16 else 16 + ceil_div((q - 17) * 16, 47) if q <= 64 else 32
    if reading == "R4":
        return 16 if q <= 16 else 32
    raise AssertionError(reading)


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    return {r: compute_bands(r, 1024) for r in READINGS}


@pytest.mark.parametrize("reading", READINGS)
def test_rows_match_closed_forms(results: dict, reading: str) -> None:
    rows = results[reading].rows
    assert [r.queues for r in rows] == list(range(1, 1025))
    assert [r.min_vectors for r in rows] == [closed_form(reading, q) for q in range(1, 1025)]


@pytest.mark.parametrize("reading", READINGS)
def test_every_minimality_proof_rechecks(results: dict, reading: str) -> None:
    """The proof of each row: the witness satisfies the rule's formula at V, and V − 1 is unsat — both
    re-checked on a fresh context from the SMT-LIB2 the result carries."""
    result = results[reading]
    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    solver.from_string(result.formula)
    queues, table = z3.Int("queues", ctx), z3.Int(TABLE_SIZE, ctx)
    for row in result.rows:
        proof = row.proof
        assert proof is not None and proof.below == "unsat"
        assert proof.sat_at == row.min_vectors and proof.unsat_below == row.min_vectors - 1
        witness = dict(proof.witness)
        assert witness == {"queues": row.queues, TABLE_SIZE: row.min_vectors}
        assert solver.check(queues == row.queues, table == proof.sat_at) == z3.sat
        assert solver.check(queues == row.queues, table == proof.unsat_below) == z3.unsat


def test_processors_flag_rows_below_minimum() -> None:
    result = compute_bands("R2a", 100, processors=8)
    for row in result.rows:
        assert row.allocated == 10
        assert row.below_minimum == (10 < closed_form("R2a", row.queues))


def test_compress_reads_like_the_documentation() -> None:
    bands = compress(compute_bands("R2a", 256).rows)
    assert [(b.first, b.last, b.low, b.high) for b in bands] == [
        (1, 16, 1, 16), (17, 32, 16, 16), (33, 63, 17, 32), (64, 256, 32, 32)]
    for reading in READINGS:
        rows = compute_bands(reading, 300).rows
        covered = [q for b in compress(rows) for q in range(b.first, b.last + 1)]
        assert covered == list(range(1, 301))
        for band in compress(rows):
            values = [r.min_vectors for r in rows if band.first <= r.queues <= band.last]
            assert (min(values), max(values)) == (band.low, band.high)


def test_json_contract() -> None:
    code, out, _ = run(["bands", "--format", "json", "--max-queues", "70"])
    assert code == 0
    data = json.loads(out)
    assert data["reading"] == "R2a" and set(data) == {"reading", "rows"}
    assert data["rows"][0] == {"queues": 1, "min_vectors": 1}
    assert [r["min_vectors"] for r in data["rows"]] == [closed_form("R2a", q) for q in range(1, 71)]
    code, out, _ = run(["bands", "--format", "json", "--max-queues", "5", "--reading", "all", "--processors", "2"])
    data = json.loads(out)
    assert [d["reading"] for d in data["readings"]] == list(READINGS)
    assert data["readings"][0]["rows"][0] == {"queues": 1, "min_vectors": 1, "allocated": 4, "below_minimum": False}


@pytest.mark.parametrize("argv", [["--max-queues", "0"], ["--max-queues", "4097"], ["--processors", "0"],
                                  ["--reading", "R9"]])
def test_bad_input(argv: list[str]) -> None:
    code, out, err = run(["bands", *argv])
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name,argv", [
    ("bands-R2a.rich.txt", ["--format", "rich", "--width", "100"]),
    ("bands-R2a-p16.plain.txt", ["--format", "plain", "--processors", "16"]),
    ("bands-all.rich.txt", ["--format", "rich", "--width", "100", "--reading", "all", "--max-queues", "128"]),
])
def test_golden(name: str, argv: list[str]) -> None:
    code, out, _ = run(["bands", *argv])
    assert code == 0 and "\x1b[" not in out
    path = GOLDEN / name
    if UPDATE:
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}; run with VMQPROOF_UPDATE_GOLDEN=1"
    assert out == path.read_text(encoding="utf-8")
