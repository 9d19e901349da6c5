"""`bands`: the minimal legal MSI-X table size for every queue count, under a reading of rules.md A1.

Each minimum is computed by the solver on VMQ-IRQ-8's own encoding (`msix_minimum` of the rule module) over the
table-size domain 0 … 2048 (D-3, the PCIe limit) and proved: a model at V and `unsat` for "table size ≤ V − 1".
At a fixed queue count the encoding folds to a bound, as it does in `check`; the result carries the whole formula
(queue count free) as SMT-LIB2, against which the tests re-check every row's proof on a fresh solver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vmqproof.model.config import constants as C
from vmqproof.model.config.errors import ConfigError
from vmqproof.model.config.schema import MSIX_READINGS
from vmqproof.model.smt.logic import BoolTerm, Context, IntTerm, int_var, smt2
from vmqproof.model.smt.minimize import Minimizer
from vmqproof.properties.rules.vmq_irq import msix_minimum

MAX_QUEUES = 4096
QUEUES = "queues"
TABLE_SIZE = "msix.table_size"


@dataclass(frozen=True, slots=True)
class MinimalityProof:
    """The proof of one row: `witness` is the solver's model at `sat_at` (queue count and table size); the
    solver answered `below` ("unsat") for the same queue count with table size ≤ `sat_at` − 1."""

    sat_at: int
    witness: tuple[tuple[str, int], ...]
    unsat_below: int
    below: str


@dataclass(frozen=True, slots=True)
class BandRow:
    queues: int
    min_vectors: int | None
    proof: MinimalityProof | None = None
    allocated: int | None = None          # vectors a host with P RSS processors allocates (P + 2)

    @property
    def below_minimum(self) -> bool:
        return self.allocated is not None and self.min_vectors is not None and self.allocated < self.min_vectors


@dataclass(frozen=True, slots=True)
class BandsResult:
    reading: str
    rows: tuple[BandRow, ...]
    processors: int | None = None
    formula: str = ""                      # the query in SMT-LIB2 (free Ints `queues`, `msix.table_size`)
    checks: int = 0

    @property
    def proved(self) -> bool:
        return all(r.proof is not None and r.proof.below == "unsat" for r in self.rows if r.min_vectors is not None)


@dataclass(frozen=True, slots=True)
class Band:
    """Consecutive queue counts shown as one line: `first`…`last` queues need `low`…`high` vectors."""

    first: int
    last: int
    low: int | None
    high: int | None
    below_minimum: bool = False


def _formula(ctx: Context, reading: str) -> tuple[IntTerm, IntTerm, list[BoolTerm], BoolTerm]:
    """The queue count and table size, their domains, and VMQ-IRQ-8's constraint between them."""
    queues = int_var(QUEUES, ctx)
    table_size = int_var(TABLE_SIZE, ctx)
    domain = [queues >= 0, table_size >= 0, table_size <= C.PCIE_MSIX_TABLE_MAX]
    return queues, table_size, domain, table_size >= msix_minimum(queues, reading)


def formula_smt2(reading: str) -> str:
    """VMQ-IRQ-8 with the table-size domain, as SMT-LIB2 (for re-checking a proof independently)."""
    ctx = Context()
    _, _, domain, rule = _formula(ctx, reading)
    return smt2([*domain, rule], ctx)


def compute_bands(reading: str, max_queues: int = 256, processors: int | None = None,
                  timeout: float | None = None) -> BandsResult:
    if reading not in MSIX_READINGS:
        raise ConfigError(f"unknown reading {reading!r}", path="--reading",
                          expected=" | ".join(MSIX_READINGS) + " | all", given=reading)
    if not 1 <= max_queues <= MAX_QUEUES:
        raise ConfigError("out of range", path="--max-queues", expected=f"an integer in [1, {MAX_QUEUES}]",
                          given=str(max_queues))
    if processors is not None and not 1 <= processors <= C.MAXIMUM_GROUPS * 64:
        raise ConfigError("out of range", path="--processors",
                          expected=f"an integer in [1, {C.MAXIMUM_GROUPS * 64}]", given=str(processors))
    ctx = Context()
    queues, table_size, domain, _ = _formula(ctx, reading)
    minimizer = Minimizer(ctx, domain, timeout)
    rows: list[BandRow] = []
    checks = 0
    hint: int | None = None
    allocated = None if processors is None else processors + 2
    for q in range(1, max_queues + 1):
        # VMQ-IRQ-8's encoding at a fixed queue count folds to a bound on the table size (what `check` decides
        # for a file with that count); the solver proves the least table size under it and the domain.
        found = minimizer.minimum(table_size, queues == q, table_size >= msix_minimum(q, reading), hint=hint)
        checks += found.checks
        proof = None
        if found.value is not None:
            witness = tuple(sorted((k, int(v)) for k, v in found.witness.items() if k in (QUEUES, TABLE_SIZE)))
            proof = MinimalityProof(found.value, witness, found.value - 1, found.below)
            hint = found.value
        rows.append(BandRow(q, found.value, proof, allocated))
    return BandsResult(reading, tuple(rows), processors, formula_smt2(reading), checks)


def compress(rows: Sequence[BandRow]) -> list[Band]:
    """Consecutive queue counts in bands: a constant band (one vector count), or a rising band whose vector
    count grows by one at regular steps (every k or k+1 queue counts); a rising band ends at the first queue
    count of the next long plateau, so 1–16 → 1–16 and 17–32 → 16 read as in the documentation's table."""
    runs: list[list[int | bool | None]] = []      # [value, first, last, below]
    for row in rows:
        if runs and runs[-1][0] == row.min_vectors and runs[-1][3] == row.below_minimum:
            runs[-1][2] = row.queues
        else:
            runs.append([row.min_vectors, row.queues, row.queues, row.below_minimum])

    def length(run: list[int | bool | None]) -> int:
        return int(run[2]) - int(run[1]) + 1       # type: ignore[arg-type]

    bands: list[Band] = []
    i = 0
    while i < len(runs):
        value, first, last, below = runs[i]
        j = i
        if value is not None and i + 1 < len(runs):
            width = length(runs[i + 1])
            while (j + 1 < len(runs) and runs[j + 1][0] is not None and runs[j][0] is not None
                   and runs[j + 1][0] == int(runs[j][0]) + 1 and runs[j + 1][3] == below  # type: ignore[arg-type]
                   and abs(length(runs[j]) - width) <= 1):
                j += 1
        if j == i:
            bands.append(Band(int(first), int(last), value, value, bool(below)))  # type: ignore[arg-type]
            i += 1
            continue
        end = runs[j]
        if abs(length(end) - width) <= 1 or j + 1 == len(runs) and length(end) <= width + 1:
            bands.append(Band(int(first), int(end[2]), value, end[0], bool(below)))  # type: ignore[arg-type]
            i = j + 1
        else:
            bands.append(Band(int(first), int(end[1]), value, end[0], bool(below)))  # type: ignore[arg-type]
            runs[j] = [end[0], int(end[1]) + 1, end[2], end[3]]     # type: ignore[arg-type]
            i = j
    return bands
