"""Proved minima: the least value of an integer objective under constraints, with its proof.

This module (with model/solver.py) is where the solver is called. A minimum is *proved*: the solver returns a
model at the value (the witness) and answers `unsat` for "objective ≤ value − 1" (which includes value − 1 itself).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import z3
from vmqproof.model.smt.solver import _read_model


@dataclass(frozen=True, slots=True)
class Minimum:
    """The least objective value (None: no value satisfies the constraints), a model at it, the solver's verdict
    for `objective ≤ value − 1` ("unsat" proves minimality; "unknown" on timeout) and how many checks it took."""

    value: int | None
    witness: Mapping[str, int | bool] = field(default_factory=dict)
    below: str = "unsat"
    checks: int = 0

    @property
    def proved(self) -> bool:
        return self.below == "unsat"


def _at_most(objective: z3.ArithRef, value: int) -> z3.BoolRef:
    """objective ≤ value, made through the C API: a table of minima builds thousands of these."""
    ctx = objective.ctx
    bound = z3.Z3_mk_int64(ctx.ref(), value, z3.Z3_get_sort(ctx.ref(), objective.as_ast()))
    return z3.BoolRef(z3.Z3_mk_le(ctx.ref(), objective.as_ast(), bound), ctx)


class Minimizer:
    """One solver over one context with the shared constraints asserted once; each `minimum(...)` query passes its
    own assumptions to every check it makes, so a table of minima (one per queue count) reuses the solver."""

    def __init__(self, ctx: z3.Context, constraints: Iterable[z3.BoolRef], timeout: float | None = None) -> None:
        self.ctx = ctx
        self.solver = z3.SolverFor("QF_LIA", ctx=ctx)
        self.solver.add(*constraints)
        self.deadline = None if timeout is None else time.monotonic() + timeout

    def _check(self, *assumptions: z3.BoolRef) -> z3.CheckSatResult:
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                return z3.unknown
            self.solver.set("timeout", max(1, int(remaining * 1000)))
        return self.solver.check(*assumptions)

    def minimum(self, objective: z3.ArithRef, *assumptions: z3.BoolRef, hint: int | None = None) -> Minimum:
        """The least value of `objective` under the constraints and `assumptions`. `hint` (a guess, e.g. the
        previous row's minimum) only orders the search: the result is a model at the value and unsat below."""
        solver = self.solver
        checks = 0
        best: int | None = None
        best_model: z3.ModelRef | None = None
        if hint is not None:
            checks += 1
            result = self._check(*assumptions, _at_most(objective, hint))
            if result == z3.sat:
                best_model = solver.model()
                best = best_model.eval(objective, model_completion=True).as_long()
            elif result == z3.unknown:
                return Minimum(None, below="unknown", checks=checks)
        if best is None:
            checks += 1
            result = self._check(*assumptions)
            if result == z3.unsat:
                return Minimum(None, checks=checks)
            if result != z3.sat:
                return Minimum(None, below="unknown", checks=checks)
            best_model = solver.model()
            best = best_model.eval(objective, model_completion=True).as_long()
        # Gallop down from the best value found (probes at best − 1, best − 2, best − 4, …), then bisect;
        # the answer is proved by an unsat probe at exactly `objective ≤ best − 1`.
        low: int | None = None          # objective ≥ low is proved
        step = 1
        while low is None or low < best:
            probe = best - step if low is None else (low + best - 1) // 2
            checks += 1
            result = self._check(*assumptions, _at_most(objective, probe))
            if result == z3.sat:
                best_model = solver.model()
                best = best_model.eval(objective, model_completion=True).as_long()
                step *= 2
            elif result == z3.unsat:
                low = probe + 1
                step = 1
            else:
                return Minimum(best, _read_model(best_model), "unknown", checks)
        return Minimum(best, _read_model(best_model), "unsat", checks)

    def satisfiable(self, *assumptions: z3.BoolRef) -> tuple[str, dict[str, int | bool]]:
        """"sat" with a model, "unsat", or "unknown" for the constraints plus `assumptions`."""
        self.solver.push()
        try:
            self.solver.add(*assumptions)
            result = self._check()
            if result == z3.sat:
                return "sat", _read_model(self.solver.model())
            return ("unsat" if result == z3.unsat else "unknown"), {}
        finally:
            self.solver.pop()

    def unsat_core(self, tracked: Mapping[str, z3.BoolRef]) -> list[str]:
        """Names of a subset of `tracked` facts that together with the constraints is unsatisfiable ([] if sat)."""
        self.solver.push()
        try:
            literals = {}
            for name, fact in tracked.items():
                literal = z3.Bool(f"track!{name}", self.ctx)
                self.solver.add(z3.Implies(literal, fact))
                literals[name] = literal
            if self.solver.check(*literals.values()) != z3.unsat:
                return []
            core = {str(c) for c in self.solver.unsat_core()}
            return [name for name, literal in literals.items() if str(literal) in core]
        finally:
            self.solver.pop()
